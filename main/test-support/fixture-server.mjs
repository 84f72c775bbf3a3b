#!/usr/bin/env node
// A configurable stdio MCP server for the gateway's tests: real SDK McpServer, real process.
//
// Env:
//   FIXTURE_NAME        shows up in `echo` results and in the server's name (default "fixture")
//   FIXTURE_EXTRA_TOOL  when set, also registers a tool with a very long name (exercises shortening)
//   FIXTURE_FAIL_START  "1": writes "fatal: bad config" to stderr and exits 2 before speaking MCP
//   FIXTURE_STDERR_ENV  name of an env var whose value is written to stderr at start (a leaky server:
//                       checks that the broker redacts the stderr tail)
// Resources: fixture://<name>/info and the template fixture://<name>/items/{id}; prompt `hello`.
import { createHash } from 'node:crypto';

import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const name = process.env.FIXTURE_NAME ?? 'fixture';

if (process.env.FIXTURE_FAIL_START === '1') {
  process.stderr.write('fatal: bad config\n');
  process.exit(2);
}
const leaky = process.env.FIXTURE_STDERR_ENV;
if (leaky) process.stderr.write(`starting with ${leaky}=${process.env[leaky] ?? ''}\n`);

/** A tool result with one text item. */
const text = (value) => ({ content: [{ type: 'text', text: value }] });
const json = (value) => text(JSON.stringify(value));
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

const server = new McpServer(
  { name: `fixture-${name}`, version: '1.0.0' },
  { capabilities: { logging: {} } },
);

server.registerTool(
  'echo',
  { description: 'Echoes text', inputSchema: { text: z.string() } },
  ({ text: t }) => text(`${name}: ${t}`),
);

server.registerTool(
  'env_fingerprint',
  {
    description: 'Whether an env var is set, its length and SHA-256 prefix',
    inputSchema: { name: z.string() },
  },
  ({ name: variable }) => {
    const value = process.env[variable];
    if (value === undefined) return json({ present: false });
    const sha256 = createHash('sha256').update(value).digest('hex').slice(0, 12);
    return json({ present: true, length: value.length, sha256 });
  },
);

server.registerTool(
  'env_value_length',
  { description: 'Length of an env var', inputSchema: { name: z.string() } },
  ({ name: variable }) => json({ length: process.env[variable]?.length ?? -1 }),
);

server.registerTool('env_keys', { description: 'Names of all env vars' }, () =>
  json(Object.keys(process.env).sort()),
);

server.registerTool('crash', { description: 'Exits with code 1' }, () => {
  process.stderr.write(`${name}: crashing on purpose\n`);
  process.exit(1);
});

// Tracks what `slow` saw, so a test can ask whether a cancellation arrived.
let lastSlow = 'none';
server.registerTool(
  'slow',
  { description: 'Waits ms milliseconds', inputSchema: { ms: z.number() } },
  async ({ ms }, extra) => {
    lastSlow = 'running';
    try {
      await sleep(ms, extra.signal);
      lastSlow = 'finished';
      return text(`slept ${ms} ms`);
    } catch {
      lastSlow = 'cancelled';
      return text('cancelled');
    }
  },
);
server.registerTool('last_slow', { description: 'How the last slow call ended' }, () => text(lastSlow));

server.registerTool(
  'progress',
  { description: 'Reports progress steps', inputSchema: { steps: z.number().int() } },
  async ({ steps }, extra) => {
    const token = extra._meta?.progressToken;
    // Sleeps after each notification: the SDK client handles notifications a tick later than
    // responses, so a progress notification in the same chunk as the result would be dropped.
    for (let i = 1; i <= steps; i++) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: i, total: steps, message: `step ${i}` },
        });
      }
      await sleep(20);
    }
    return text(`done ${steps}`);
  },
);

server.registerTool(
  'log',
  { description: 'Sends a log message', inputSchema: { message: z.string() } },
  async ({ message }) => {
    await server.sendLoggingMessage({ level: 'warning', logger: 'fixture', data: { message } });
    return text('logged');
  },
);

// Floods the client with log notifications (REL-4: a client that stops reading must not grow the broker).
server.registerTool(
  'flood',
  {
    description: 'Sends count log messages of size bytes',
    inputSchema: { count: z.number().int(), bytes: z.number().int() },
  },
  async ({ count, bytes }) => {
    const filler = 'x'.repeat(bytes);
    for (let i = 0; i < count; i++) {
      await server.sendLoggingMessage({ level: 'info', logger: 'flood', data: { i, filler } });
    }
    return text(`flooded ${count}`);
  },
);

server.registerTool('fail', { description: 'Returns an isError result' }, () => ({
  isError: true,
  content: [{ type: 'text', text: 'this tool always fails' }],
}));

server.registerTool(
  'add_tool',
  { description: 'Registers a tool at runtime', inputSchema: { name: z.string() } },
  ({ name: added }) => {
    server.registerTool(added, { description: 'Added at runtime' }, () => text(`${added} works`));
    return text(`added ${added}`);
  },
);

if (process.env.FIXTURE_EXTRA_TOOL) {
  const long = `a_really_long_tool_name_that_goes_on_and_on.${'x'.repeat(60)}`;
  server.registerTool(long, { description: 'Long name' }, () => text('long tool works'));
}

// SEC-5, a server that leaks a multi-line secret (e.g. a PEM key). Env:
//   FIXTURE_LEAK_ENV   name of an env var whose value is written to stderr at start, one line at a
//                      time, each line in two writes a few ms apart (so it arrives in separate chunks)
//   FIXTURE_LEAK_EXIT  "1": exits 3 right after that (the leak then sits in the start failure)
// Tools: `leak_error` (an isError result quoting each line of that value), `leak_text` (a normal
// result with the value as it is and JSON-encoded), `leak_log` (a log notification with its lines).
const leakVar = process.env.FIXTURE_LEAK_ENV;
const leakValue = leakVar ? (process.env[leakVar] ?? '') : '';
if (leakVar) {
  for (const [i, line] of leakValue.split(/\r?\n/).entries()) {
    const half = Math.floor(line.length / 2);
    process.stderr.write(`key line ${i + 1}: ${line.slice(0, half)}`);
    await sleep(5);
    process.stderr.write(`${line.slice(half)}\n`);
  }
  if (process.env.FIXTURE_LEAK_EXIT === '1') process.exit(3);
}
server.registerTool('leak_error', { description: 'Fails quoting the leaked value line by line' }, () => ({
  isError: true,
  content: [
    {
      type: 'text',
      text: leakValue
        .split(/\r?\n/)
        .map((line, i) => `cannot parse key, line ${i + 1}: ${line}`)
        .join('\n'),
    },
  ],
}));
server.registerTool('leak_log', { description: 'Logs the leaked value line by line' }, async () => {
  await server.sendLoggingMessage({ level: 'error', logger: 'leak', data: { lines: leakValue.split('\n') } });
  await sleep(20); // the SDK client handles notifications a tick after responses
  return text('logged');
});
server.registerTool('leak_text', { description: 'Returns the leaked value' }, () => ({
  content: [
    { type: 'text', text: `key:\n${leakValue}` },
    { type: 'text', text: JSON.stringify({ key: leakValue }) },
  ],
}));

server.registerResource('info', `fixture://${name}/info`, { mimeType: 'text/plain' }, (uri) => ({
  contents: [{ uri: uri.href, text: `fixture ${name}` }],
}));

server.registerResource(
  'item',
  new ResourceTemplate(`fixture://${name}/items/{id}`, { list: undefined }),
  { mimeType: 'text/plain' },
  (uri, { id }) => ({ contents: [{ uri: uri.href, text: `item ${String(id)} from ${name}` }] }),
);

// `who` completes from a fixed list (completion/complete), prefixed with the server's name.
const people = ['Ann', 'Bob', 'Anders'];
const who = completable(z.string(), (value) =>
  people.filter((p) => p.startsWith(value)).map((p) => `${p}@${name}`),
);
server.registerPrompt('hello', { description: 'Says hello', argsSchema: { who } }, ({ who }) => ({
  messages: [{ role: 'user', content: { type: 'text', text: `Hello ${who} from ${name}` } }],
}));

// A method no MCP revision defines: the broker's router relays it (unknown method) to a lone server.
server.server.setRequestHandler(
  z.object({ method: z.literal('fixture/whoami'), params: z.looseObject({}).optional() }),
  (request) => ({ server: name, params: request.params ?? {} }),
);

await server.connect(new StdioServerTransport());
