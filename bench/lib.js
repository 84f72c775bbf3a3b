// Shared helpers of `npm run bench`: process start-up, SDK clients, timing and /proc readings.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const CLI = fileURLToPath(new URL('../bin/mcp-auth-broker.js', import.meta.url));
export const SERVER = fileURLToPath(new URL('../main/test-support/fixture-server.mjs', import.meta.url));
export const HTTP_UPSTREAM = fileURLToPath(new URL('./http-upstream.mjs', import.meta.url));

export const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Spawns `args` with node and resolves once its stdout matches `pattern` (with the match and ms taken). */
export function spawnUntil(args, pattern, options = {}) {
  const started = now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const match = pattern.exec(out);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, match, readyMs: now() - started });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${out}${err}`)));
  });
}

/** Stops a child we started and waits for it to be gone. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** An SDK client over stdio to `node args…`; `client.pid` is the child's pid. */
export async function stdioClient(args, env = {}) {
  const client = new Client({ name: 'bench', version: '1' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { ...process.env, ...env },
    stderr: 'pipe',
  });
  await client.connect(transport);
  client.pid = transport.pid;
  return client;
}

/** An SDK client over streamable HTTP, optionally with a bearer token. */
export async function httpClient(url, token) {
  const client = new Client({ name: 'bench', version: '1' });
  const requestInit = token === undefined ? undefined : { headers: { authorization: `Bearer ${token}` } };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), requestInit ? { requestInit } : {}));
  return client;
}

/** Resident memory of a process in MB (Linux /proc), or NaN elsewhere. */
export function rssMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Number(kb) / 1024;
  } catch {
    return NaN;
  }
}

/** utime+stime of a process in clock ticks (Linux /proc/<pid>/stat fields 14 and 15), or NaN. */
export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after the closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux we run on. */
export const TICKS_PER_SECOND = 100;

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `calls` sequential awaits of `op(i)`: ops/s and latency percentiles in ms. */
export async function timeSequential(op, calls) {
  const latencies = new Array(calls);
  const start = now();
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    await op(i);
    latencies[i] = now() - t0;
  }
  const ms = now() - start;
  latencies.sort((x, y) => x - y);
  return { opsPerSec: (calls * 1000) / ms, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** A tools/call of `tool` that throws on an error result. */
export function echoCall(client, tool) {
  return async (i) => {
    const result = await client.callTool({ name: tool, arguments: { text: `call ${i}` } });
    if (result.isError) throw new Error(`${tool} returned an error`);
  };
}

/** Every client runs `calls` sequential calls at once: total ops/s, p99 over all calls, errors. */
export async function timeConcurrent(clients, tool, calls) {
  const latencies = [];
  let errors = 0;
  const start = now();
  await Promise.all(
    clients.map(async (client, n) => {
      for (let i = 0; i < calls; i++) {
        const t0 = now();
        const r = await client
          .callTool({ name: tool, arguments: { text: `${n}:${i}` } })
          .catch(() => undefined);
        latencies.push(now() - t0);
        if (!r || r.isError) errors++;
      }
    }),
  );
  const ms = now() - start;
  latencies.sort((x, y) => x - y);
  return {
    opsPerSec: (latencies.length * 1000) / ms,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}
