#!/usr/bin/env node
// Broker CPU per routed tools/call, measured in-process with process.cpuUsage():
//
//   npm run build && node bench/router-cpu.mjs [repo-root] [calls]
//
// (`npm run bench` runs it too and prints its figure next to the broker process's own CPU per call.)
//
// A Gateway with one fixture server (a child process, whose CPU is not counted) and one front
// session; the client is a raw JSON-RPC sender on an in-memory transport, so nearly all CPU counted
// is the broker's: session routing, name resolution, the upstream channel and stdio transport,
// secret scrubbing. The audit sink is a no-op (bench/audit-cost.mjs measures the audit line's cost).
// `repo-root` lets one compare two builds (e.g. a checkout of an older commit); default: this repo.
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const root = process.argv[2] ?? here;
const calls = Number(process.argv[3] ?? 5000);
const load = (path) => import(pathToFileURL(`${root}/${path}`).href);
const { Gateway } = await load('dist/main/broker/gateway/gateway.js');
const { createFrontSession } = await load('dist/main/broker/gateway/mcp-front.js');
const { SecretRedactor } = await load('dist/main/broker/secrets/secret-redactor.js');
const { silentLogger } = await load('dist/main/broker/base/logger.js');
const { systemClock } = await load('dist/main/broker/base/clock.js');
const { StdioServerSchema } = await load('dist/main/broker/config/config-schema.js');
const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');

const audit = { record: () => undefined };
const fixture = fileURLToPath(new URL('../main/test-support/fixture-server.mjs', import.meta.url));
const gateway = new Gateway({
  servers: { a: StdioServerSchema.parse({ command: process.execPath, args: [fixture] }) },
  secrets: {
    description: 'none',
    get: () => Promise.resolve(undefined),
    set: () => Promise.resolve(),
    delete: () => Promise.resolve(false),
    list: () => Promise.resolve([]),
  },
  audit,
  logger: silentLogger(),
  clock: systemClock,
  redactor: new SecretRedactor(),
});
await gateway.start();
const [client, broker] = InMemoryTransport.createLinkedPair();
const waiting = new Map();
client.onmessage = (message) => {
  const done = 'id' in message ? waiting.get(message.id) : undefined;
  if (done) {
    waiting.delete(message.id);
    done(message);
  }
};
await client.start();
const session = createFrontSession({
  gateway,
  audit,
  logger: silentLogger(),
  version: 'cpu',
  connectionLabel: 'cpu',
});
await session.connect(broker);
let nextId = 0;
const request = (method, params) =>
  new Promise((resolve) => {
    const id = (nextId += 1);
    waiting.set(id, resolve);
    void client.send({ jsonrpc: '2.0', id, method, params });
  });
await request('initialize', {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'cpu', version: '1' },
});
await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
const call = () => request('tools/call', { name: 'a__echo', arguments: { text: 'hello' } });
for (let i = 0; i < 2000; i += 1) await call();
const before = process.cpuUsage();
const started = process.hrtime.bigint();
for (let i = 0; i < calls; i += 1) await call();
const used = process.cpuUsage(before);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const perCall = (micros) => (micros / calls).toFixed(1);
console.log(
  `broker CPU ${perCall(used.user + used.system)} µs/call (user ${perCall(used.user)}, system ${perCall(used.system)}), ` +
    `${(calls / seconds).toFixed(0)} calls/s in-process — ${root}`,
);
await gateway.stop();
process.exit(0);
