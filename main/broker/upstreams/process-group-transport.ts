import { type ChildProcess, spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';

import { getDefaultEnvironment, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

import type { ChildExit } from './observed-stdio-transport.js';
import { endProcessGroup } from './process-group.js';

/** How long a stopping server gets after stdin closes, and again after SIGTERM (2 s by default). */
const DEFAULT_STOP_GRACE_MS = 2_000;

export interface ProcessGroupTransportOptions extends StdioServerParameters {
  /** Wait after closing stdin before SIGTERM to the group, and after SIGTERM before SIGKILL (ms). */
  graceMs?: number;
}

/**
 * A stdio MCP transport whose child leads a process group of its own (POSIX `setsid`, Node's
 * `detached`), so everything it starts (`npx` → `node mcp-remote`, a shell script's children) can
 * be ended together:
 * - `close()` ends stdin, waits `graceMs` for the server to leave on its own, then sends SIGTERM to
 *   the whole group and, after another `graceMs`, SIGKILL to whatever is left;
 * - when the child exits by itself, whatever it left behind in its group is ended the same way, so a
 *   crashed `npx` does not leave `mcp-remote` holding its port (and its stdout pipe open).
 * The SDK's `StdioClientTransport` spawns the child itself and offers no `detached` option; this is
 * the same wire format (its ReadBuffer and serializer) with the spawn the broker needs.
 */
export class ProcessGroupTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Pid of the spawned process (also its process group id), kept after it exits. */
  spawnedPid: number | undefined;
  /** Set once the process has exited. */
  exit: ChildExit | undefined;
  /** Resolves with the exit once the process has exited (never, when it could not be spawned). */
  readonly exited: Promise<ChildExit>;
  private onExit: (exit: ChildExit) => void = () => undefined;
  /** The child's stderr, available before `start()` so no early output is lost. */
  readonly stderr = new PassThrough();

  private child: ChildProcess | undefined;
  private readonly readBuffer = new ReadBuffer();
  private ending: Promise<void> | undefined;
  private readonly graceMs: number;

  constructor(private readonly params: ProcessGroupTransportOptions) {
    this.graceMs = params.graceMs ?? DEFAULT_STOP_GRACE_MS;
    this.exited = new Promise((resolve) => (this.onExit = resolve));
  }

  start(): Promise<void> {
    if (this.child) throw new Error('ProcessGroupTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.params.command, this.params.args ?? [], {
        env: { ...getDefaultEnvironment(), ...this.params.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
        ...(this.params.cwd === undefined ? {} : { cwd: this.params.cwd }),
      });
      this.child = child;
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => {
        this.spawnedPid = child.pid;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.onExit(this.exit);
        // Whatever it started and left behind goes too (it may hold stdout open, or a port).
        void this.endGroup(false);
      });
      child.once('close', () => {
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin.on('error', (error) => this.onerror?.(error));
      child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
      child.stdout.on('error', (error) => this.onerror?.(error));
      child.stderr.pipe(this.stderr);
    });
  }

  private receive(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
      for (let message = this.readBuffer.readMessage(); message; message = this.readBuffer.readMessage())
        this.onmessage?.(message);
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      void this.close();
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.exit) {
        reject(new Error('Not connected'));
        return;
      }
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends the server and every process of its group (bounded: 2 × `graceMs`, then SIGKILL). */
  async close(): Promise<void> {
    await this.endGroup(true);
    this.readBuffer.clear();
  }

  private endGroup(politely: boolean): Promise<void> {
    const pid = this.spawnedPid;
    if (pid === undefined) {
      this.child?.kill('SIGKILL');
      return Promise.resolve();
    }
    if (politely) {
      try {
        this.child?.stdin?.end();
      } catch {
        /* already closed */
      }
    }
    const leaderExited = new Promise<void>((resolve) => {
      if (this.exit || !this.child) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.ending ??= endProcessGroup(pid, this.graceMs, politely ? leaderExited : Promise.resolve());
    return this.ending;
  }
}
