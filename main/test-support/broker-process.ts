import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** The real CLI entry script, as Claude Desktop would run it. */
export const CLI = fileURLToPath(new URL('../../bin/mcp-auth-broker.js', import.meta.url));
/** The configurable stdio MCP server used as an upstream in tests. */
export const FIXTURE_SERVER = fileURLToPath(new URL('./fixture-server.mjs', import.meta.url));

export interface BrokerHome {
  configPath: string;
  dataDir: string;
}

/** Writes a config file into `dir` and returns where the broker should keep its state. */
export function writeBrokerHome(dir: string, config: unknown): BrokerHome {
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { configPath, dataDir: join(dir, 'data') };
}

/** A stdio server entry running the fixture server with extra env. */
export function fixtureServer(env: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { command: process.execPath, args: [FIXTURE_SERVER], env, ...extra };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion, feeding `input` on stdin. */
export function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export interface RunningBroker {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Starts `mcp-auth-broker serve --port 0` and waits until it prints its URL. */
export function startBroker(
  home: BrokerHome,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningBroker> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--config', home.configPath, '--data-dir', home.dataDir, '--port', '0', ...extraArgs],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /MCP Auth Broker (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          process: child,
          output: () => output,
          stop: () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${String(code)}:\n${output}`));
    });
  });
}

/** An SDK client talking to the broker through a real `connect` shim process. */
export async function connectThroughShim(
  home: BrokerHome,
  env: Record<string, string> = {},
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'connect', '--config', home.configPath, '--data-dir', home.dataDir, '--port', '0'],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'broker-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** Stops a broker that a shim started in the background (its pid is in the lock file). */
export async function stopBackgroundBroker(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = (JSON.parse(readFileSync(join(dataDir, 'broker.lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}
