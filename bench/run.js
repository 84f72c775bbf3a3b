#!/usr/bin/env node
// `npm run bench`: every speed and size figure of the broker, in one run, printed (never asserted).
//
// Sequential tools/call throughput, interleaved A B A B … in blocks of BENCH_CALLS calls for
// BENCH_ROUNDS rounds, median and range per variant and the ratio of the medians:
//   (a) SDK client → stdio fixture server                          vs (b) client → `connect` shim → broker → the same server (goal ≥ 0.5)
//   (d) SDK client → streamable-HTTP server (JSON responses)       vs (e) client → the broker's own /mcp with an OAuth token → stdio server (goal ≥ 0.8)
//   (s) client → shim → broker → that HTTP server as a remote upstream, against (d)
//   the physical floor in the same rounds: a bare newline-JSON round trip over a pipe (2 processes)
//   and through a byte relay (3 processes), against (a).
// Then 16 concurrent shims and 16 concurrent /mcp clients (ops/s, p99, errors), shim start to first
// byte and RSS, `serve` start to ready, broker RSS idle and after the load, the broker process's CPU
// per routed call (/proc/<pid>/stat), the audit line's cost as a share of it, and the peer baseline
// mcp-remote → supergateway when both are installed.
//
// Knobs: BENCH_ROUNDS (3), BENCH_CALLS (1000 per block), BENCH_WARMUP (2000 per client),
// BENCH_CONCURRENT_CALLS (200 per client), BENCH_SHIM_STARTS (5).
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startFloors } from './floor.js';
import {
  CLI,
  cpuTicks,
  echoCall,
  HTTP_UPSTREAM,
  httpClient,
  median,
  now,
  rssMb,
  SERVER,
  spawnUntil,
  stdioClient,
  stopChild,
  TICKS_PER_SECOND,
  timeConcurrent,
  timeSequential,
} from './lib.js';
import { obtainMcpToken } from './mcp-token.js';
import { startPeerBaseline } from './peer.js';

// The SDK's HTTP client shares one AbortSignal across a connection's fetches; Node keeps a listener
// per fetch until GC, which trips the default limit on a long run. Not a leak in the broker.
setMaxListeners(0);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
const CONCURRENT = 16;
const CONCURRENT_CALLS = Number(process.env.BENCH_CONCURRENT_CALLS ?? 200);
const SHIM_STARTS = Number(process.env.BENCH_SHIM_STARTS ?? 5);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const n0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const spread = (values, fmt = n0) =>
  `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;

/** One measured variant: how to call it, and whose CPU to count (the broker's, when it routes). */
function variant(label, op, cpuPid) {
  return { label, op, cpuPid, blocks: [], ticks: 0 };
}

async function runBlock(v) {
  const before = v.cpuPid === undefined ? 0 : cpuTicks(v.cpuPid);
  const result = await timeSequential(v.op, CALLS);
  if (v.cpuPid !== undefined) v.ticks += cpuTicks(v.cpuPid) - before;
  v.blocks.push(result);
}

/** µs of the broker's CPU per call over every block of `v`. */
const cpuPerCall = (v) => (v.ticks * 1e6) / TICKS_PER_SECOND / (v.blocks.length * CALLS);
const medianOps = (v) => median(v.blocks.map((b) => b.opsPerSec));

function row(v) {
  const ops = v.blocks.map((b) => b.opsPerSec);
  const cpu = v.cpuPid === undefined ? '' : `  broker CPU ${f1(cpuPerCall(v))} µs/call`;
  return `  ${v.label.padEnd(44)} ${spread(ops).padEnd(24)} p50 ${f3(median(v.blocks.map((b) => b.p50)))}  p99 ${f3(median(v.blocks.map((b) => b.p99)))}${cpu}`;
}

/** Time from spawning `node args…` (initialize already written to its stdin) to its first stdout byte. */
function firstByteMs(shimArgs) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, shimArgs, { stdio: ['pipe', 'pipe', 'ignore'] });
    const early = (code) => reject(new Error(`shim exited ${code} before answering`));
    child.once('exit', early);
    child.stdout.once('data', () => {
      const ms = now() - started;
      child.off('exit', early);
      child.stdin.end();
      void stopChild(child).then(() => resolve(ms));
    });
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'bench', version: '1' },
        },
      })}\n`,
    );
  });
}

/** Runs a bench child script to completion; resolves with its stdout. */
function runScript(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited ${code}`)),
    );
  });
}

async function concurrentRounds(clients, tool, pid) {
  for (const c of clients)
    for (let i = 0; i < 100; i++) await c.callTool({ name: tool, arguments: { text: 'warm' } });
  const rounds = [];
  let ticks = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const before = cpuTicks(pid);
    rounds.push(await timeConcurrent(clients, tool, CONCURRENT_CALLS));
    ticks += cpuTicks(pid) - before;
  }
  return { rounds, cpu: (ticks * 1e6) / TICKS_PER_SECOND / (ROUNDS * CONCURRENT * CONCURRENT_CALLS) };
}

function concurrentRow(label, c, goal) {
  const errors = c.rounds.reduce((sum, r) => sum + r.errors, 0);
  return `  ${label.padEnd(44)} ${spread(c.rounds.map((r) => r.opsPerSec)).padEnd(24)} p99 ${spread(
    c.rounds.map((r) => r.p99),
    f1,
  )} ms (goal < ${goal})  errors ${errors} (goal 0)  broker CPU ${f1(c.cpu)} µs/call`;
}

async function main() {
  const startLoad = load();
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'mab-bench-'));
  const home = { configPath: join(dir, 'config.json'), dataDir: join(dir, 'data') };
  const cleanup = [];
  const lines = [];
  const print = (line = '') => lines.push(line);
  try {
    const upstream = await spawnUntil([HTTP_UPSTREAM], /listening (\S+)/);
    cleanup.push(() => stopChild(upstream.child));
    const upstreamUrl = upstream.match[1];
    writeFileSync(
      home.configPath,
      JSON.stringify({
        servers: {
          bench: { command: process.execPath, args: [SERVER] },
          httpbench: { url: upstreamUrl, auth: 'none' },
        },
      }),
    );
    const broker = await spawnUntil(
      [CLI, 'serve', '--config', home.configPath, '--data-dir', home.dataDir, '--port', '0'],
      /MCP Auth Broker (http:\/\/127\.0\.0\.1:\d+)/,
    );
    cleanup.push(() => stopChild(broker.child));
    const pid = broker.child.pid;
    const origin = broker.match[1];
    await new Promise((r) => setTimeout(r, 1000)); // let start-up garbage be collected
    const idleRss = rssMb(pid);

    let token;
    let tokenProblem;
    try {
      token = await obtainMcpToken(origin, home, ['bench', 'httpbench']);
    } catch (error) {
      tokenProblem = error.message;
    }

    const shimArgs = [CLI, 'connect', '--config', home.configPath, '--data-dir', home.dataDir, '--no-start'];
    const firstByte = [];
    const nodeFirstByte = [];
    for (let i = 0; i < SHIM_STARTS; i++) {
      firstByte.push(await firstByteMs(shimArgs));
      nodeFirstByte.push(await firstByteMs(['-e', "process.stdout.write('x')"]));
    }

    const direct = await stdioClient([SERVER]);
    const shim = await stdioClient(shimArgs);
    const httpDirect = await httpClient(upstreamUrl);
    const mcp = token === undefined ? undefined : await httpClient(`${origin}/mcp`, token);
    const floors = await startFloors(dir);
    cleanup.push(
      () => floors.stop(),
      () => direct.close(),
      () => shim.close(),
      () => httpDirect.close(),
    );
    if (mcp) cleanup.push(() => mcp.close());

    const a = variant('(a) direct stdio', echoCall(direct, 'echo'));
    const b = variant('(b) shim → broker → stdio', echoCall(shim, 'bench__echo'), pid);
    const pipe = variant('floor: pipe, 2 processes', floors.pipe);
    const chain = variant('floor: pipe + relay + socket, 3 processes', floors.chain);
    const d = variant('(d) direct streamable HTTP (JSON responses)', echoCall(httpDirect, 'echo'));
    const e = mcp
      ? variant('(e) /mcp + OAuth token → broker → stdio', echoCall(mcp, 'bench__echo'), pid)
      : variant('(e) shim → broker → HTTP (no /mcp token)', echoCall(shim, 'httpbench__echo'), pid);
    const s = variant('(s) shim → broker → HTTP upstream', echoCall(shim, 'httpbench__echo'), pid);
    const groups = [
      [a, b, pipe, chain],
      [d, e, s],
    ];
    for (const v of groups.flat()) for (let i = 0; i < WARMUP; i++) await v.op(i);
    const shimRss = rssMb(shim.pid);
    for (let r = 0; r < ROUNDS; r++) for (const group of groups) for (const v of group) await runBlock(v);

    const shims = await Promise.all(Array.from({ length: CONCURRENT }, () => stdioClient(shimArgs)));
    cleanup.push(() => Promise.all(shims.map((c) => c.close())));
    const concurrentShims = await concurrentRounds(shims, 'bench__echo', pid);
    let concurrentMcp;
    if (token !== undefined) {
      const clients = await Promise.all(
        Array.from({ length: CONCURRENT }, () => httpClient(`${origin}/mcp`, token)),
      );
      cleanup.push(() => Promise.all(clients.map((c) => c.close())));
      concurrentMcp = await concurrentRounds(clients, 'bench__echo', pid);
    }
    const loadedRss = rssMb(pid);
    const idleBefore = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 2000));
    const idleCpuMsPerSec = ((cpuTicks(pid) - idleBefore) * 1000) / TICKS_PER_SECOND / 2;

    const audit = JSON.parse(await runScript([here('./audit-cost.mjs')]));
    const routerCpu = Number(
      /broker CPU ([\d.]+) µs\/call/.exec(await runScript([here('./router-cpu.mjs')]))?.[1],
    );

    const peer = await startPeerBaseline();
    let peerRow = `  peer mcp-remote → supergateway → stdio: skipped: ${peer.skipped}`;
    if (peer.client) {
      cleanup.push(() => peer.stop());
      const p = variant('peer mcp-remote → supergateway → stdio', echoCall(peer.client, 'echo'));
      for (let i = 0; i < WARMUP; i++) await p.op(i);
      for (let r = 0; r < ROUNDS; r++) {
        await runBlock(a);
        await runBlock(p);
      }
      peerRow = `${row(p)}\n    peer/(a) = ${f2(medianOps(p) / medianOps(a))} (same rounds; b/a above)`;
    }

    const ratio = (x, y) => f2(medianOps(x) / medianOps(y));
    const cpuB = cpuPerCall(b);
    print(`MCP Auth Broker bench — ${startedAt}`);
    print(
      `Node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    );
    print(`load average (1/5/15 min) at start ${startLoad}, at end ${load()}`);
    print(
      `${ROUNDS} rounds of ${CALLS} sequential tools/call per variant, interleaved, after ${WARMUP} warm-up calls; median (min–max) ops/s, median p50/p99 ms`,
    );
    print();
    print('sequential, stdio');
    for (const v of groups[0]) print(row(v));
    print(`    b/a = ${ratio(b, a)} (goal ≥ 0.5)`);
    print(
      `    floor: pipe/(a) = ${ratio(pipe, a)}, 3-process chain/(a) = ${ratio(chain, a)}, chain/pipe = ${ratio(chain, pipe)} (the bare cost of the extra hops: compare with b/a)`,
    );
    print('sequential, HTTP');
    for (const v of groups[1]) print(row(v));
    print(`    e/d = ${ratio(e, d)} (goal ≥ 0.8)${mcp ? '' : `  — /mcp token failed: ${tokenProblem}`}`);
    print(`    s/d = ${ratio(s, d)}`);
    print(`concurrent, ${CONCURRENT} clients × ${CONCURRENT_CALLS} calls, ${ROUNDS} rounds: total ops/s`);
    print(concurrentRow(`${CONCURRENT} shims → broker → stdio`, concurrentShims, '10 ms'));
    print(
      concurrentMcp
        ? concurrentRow(`${CONCURRENT} /mcp clients → broker → stdio`, concurrentMcp, '30 ms')
        : `  ${CONCURRENT} /mcp clients: skipped: ${tokenProblem}`,
    );
    print('start-up and memory');
    print(
      `  shim start to first byte ${spread(firstByte, f1)} ms over ${SHIM_STARTS} starts (goal < 50); bare \`node -e\` to first byte ${spread(nodeFirstByte, f1)} ms`,
    );
    print(`  shim RSS ${f1(shimRss)} MB (goal < 45)`);
    print(`  serve start to ready ${n0(broker.readyMs)} ms (goal < 500)`);
    print(`  broker RSS idle ${f1(idleRss)} MB (goal < 100), after the load ${f1(loadedRss)} MB`);
    print('CPU and the audit line');
    print(
      `  broker process CPU per routed call (/proc/${pid}/stat over the (b) blocks) ${f1(cpuB)} µs; in-process router alone (bench/router-cpu.mjs, no audit) ${f1(routerCpu)} µs`,
    );
    print(
      `  broker CPU while idle after the load ${f1(idleCpuMsPerSec)} ms/s (already inside the per-call figures)`,
    );
    print(
      `  AuditLog.record() per tool.call: as the broker writes it (keyed, after the turn) ${f1(audit.keyedAfterTurn.cpuUs)} µs CPU (${f1(audit.keyedAfterTurn.wallUs)} µs wall) = ${f1((audit.keyedAfterTurn.cpuUs / cpuB) * 100)}% of the broker's CPU per call (goal < 5%); inside record(): keyed ${f1(audit.keyed.cpuUs)} µs, unkeyed ${f1(audit.unkeyed.cpuUs)} µs CPU (one event-loop turn, ${f1(audit.turn.cpuUs)} µs, subtracted)`,
    );
    print('peer baseline');
    print(peerRow);
  } finally {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(lines.join('\n'));
}

const started = now();
await main();
console.log(`(bench took ${f1((now() - started) / 1000)} s)`);
