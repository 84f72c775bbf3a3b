#!/usr/bin/env node
// `npm run bench`: sequential tools/call throughput and latency, in one run, for
//   (a) an SDK client talking to a stdio MCP server directly,
//   (b) the same client through `connect` → broker → the same server, and the ratio b/a (goal ≥ 0.5),
//   (c) 16 concurrent clients, each through its own `connect` shim (goal: 0 errors),
//   (d) an SDK client talking to a streamable-HTTP MCP server directly, and (e) the same client
//       through `connect` → broker → that remote server (issue 5), and the ratio e/d (goal ≥ 0.7),
//   (f) `serve` start to ready (URL printed) with this config, broker RSS idle and after the load
//       (goals < 500 ms and < 100 MB idle), and one connected shim's RSS (goal < 45 MB).
// Figures are printed, never asserted: speed goals are checked here, not in tests.
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

// The SDK's HTTP client shares one AbortSignal across a connection's fetches; Node keeps a listener
// per fetch until GC, which trips the default limit on a 3000-call run. Not a leak in the broker.
setMaxListeners(0);

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
const CONCURRENT = 16;
const CONCURRENT_CALLS = Number(process.env.BENCH_CONCURRENT_CALLS ?? 200);
const CLI = fileURLToPath(new URL('../bin/mcp-auth-broker.js', import.meta.url));
const SERVER = fileURLToPath(new URL('../main/test-support/fixture-server.mjs', import.meta.url));
const HTTP_UPSTREAM = fileURLToPath(new URL('./http-upstream.mjs', import.meta.url));

/** Starts the streamable-HTTP bench upstream; resolves with its child process and MCP URL. */
function startHttpUpstream() {
  const child = spawn(process.execPath, [HTTP_UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`http upstream exited ${code}`)));
  });
}

async function connect(command, args, env = {}) {
  const client = new Client({ name: 'bench', version: '1' });
  const transport = new StdioClientTransport({
    command,
    args,
    env: { ...process.env, ...env },
    stderr: 'pipe',
  });
  await client.connect(transport);
  client.pid = transport.pid;
  return client;
}

/** Resident memory of a process in MB (Linux /proc), or NaN elsewhere. */
function rssMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Number(kb) / 1024;
  } catch {
    return NaN;
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function sequential(client, tool, calls) {
  for (let i = 0; i < WARMUP; i++) await client.callTool({ name: tool, arguments: { text: 'warm' } });
  const latencies = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await client.callTool({ name: tool, arguments: { text: `call ${i}` } });
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((x, y) => x - y);
  return { opsPerSec: calls / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const fmt = (r) =>
  `${r.opsPerSec.toFixed(0).padStart(6)} ops/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms`;

function startBroker(configPath, dataDir) {
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--config', configPath, '--data-dir', dataDir, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/MCP Auth Broker http/.test(out) && child.readyMs === undefined) {
        child.readyMs = Number(process.hrtime.bigint() - started) / 1e6;
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}`)));
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mab-bench-'));
  const configPath = join(dir, 'config.json');
  const dataDir = join(dir, 'data');
  const upstream = await startHttpUpstream();
  writeFileSync(
    configPath,
    JSON.stringify({
      servers: {
        bench: { command: process.execPath, args: [SERVER] },
        httpbench: { url: upstream.url, auth: 'none' },
      },
    }),
  );
  const broker = await startBroker(configPath, dataDir);
  await new Promise((r) => setTimeout(r, 1000)); // let start-up garbage be collected
  const idleRss = rssMb(broker.pid);
  try {
    const direct = await connect(process.execPath, [SERVER]);
    const a = await sequential(direct, 'echo', CALLS);
    await direct.close();
    const shimArgs = [CLI, 'connect', '--config', configPath, '--data-dir', dataDir, '--no-start'];
    const viaBroker = await connect(process.execPath, shimArgs);
    const shimRss = rssMb(viaBroker.pid);
    const b = await sequential(viaBroker, 'bench__echo', CALLS);
    await viaBroker.close();

    const clients = await Promise.all(
      Array.from({ length: CONCURRENT }, () => connect(process.execPath, shimArgs)),
    );
    let errors = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      clients.map(async (client, n) => {
        for (let i = 0; i < CONCURRENT_CALLS; i++) {
          const r = await client
            .callTool({ name: 'bench__echo', arguments: { text: `${n}:${i}` } })
            .catch(() => undefined);
          if (!r || r.isError) errors++;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await Promise.all(clients.map((c) => c.close()));

    const httpDirect = new Client({ name: 'bench', version: '1' });
    await httpDirect.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
    const d = await sequential(httpDirect, 'echo', CALLS);
    await httpDirect.close();
    const viaBrokerHttp = await connect(process.execPath, shimArgs);
    const e = await sequential(viaBrokerHttp, 'httpbench__echo', CALLS);
    await viaBrokerHttp.close();

    console.log(`tools/call, ${CALLS} sequential calls after ${WARMUP} warm-up (echo tool):`);
    console.log(`  (a) direct stdio          ${fmt(a)}`);
    console.log(`  (b) connect → broker      ${fmt(b)}`);
    console.log(`  ratio b/a = ${(b.opsPerSec / a.opsPerSec).toFixed(2)}  (goal ≥ 0.5)`);
    console.log(
      `  (c) ${CONCURRENT} concurrent shims × ${CONCURRENT_CALLS} calls: ${((CONCURRENT * CONCURRENT_CALLS) / seconds).toFixed(0)} ops/s total, ${errors} errors (goal 0)`,
    );
    console.log(`  (d) direct streamable HTTP ${fmt(d)}`);
    console.log(`  (e) connect → broker → HTTP ${fmt(e)}`);
    console.log(`  ratio e/d = ${(e.opsPerSec / d.opsPerSec).toFixed(2)}  (goal ≥ 0.7)`);
    console.log(
      `  (f) serve start to ready ${broker.readyMs.toFixed(0)} ms (goal < 500); broker RSS idle ${idleRss.toFixed(0)} MB (goal < 100), after the load ${rssMb(broker.pid).toFixed(0)} MB; one shim ${shimRss.toFixed(0)} MB (goal < 45)`,
    );
  } finally {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    upstream.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
