import { connect, type Socket } from 'node:net';

import { BrokerError, isBrokerError } from '../base/errors.js';
import { localSocketPresent } from '../net/local-socket.js';
import { runtimePaths } from '../runtime/paths.js';
import type { StartBrokerOptions } from './start-broker.js';

export interface ConnectOptions extends StartBrokerOptions {
  /** Start a background broker when none runs (default true). */
  autoStart: boolean;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /** Diagnostics only; stdout carries nothing but JSON-RPC. */
  stderr: NodeJS.WritableStream;
  startTimeoutMs?: number;
}

/** Connects to the broker's MCP socket after checking that it and its folder are this user's. */
function openSocket(dataDir: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const paths = runtimePaths(dataDir);
    if (!localSocketPresent(paths, paths.mcpSocket)) {
      reject(new Error(`no socket at ${paths.mcpSocket}`));
      return;
    }
    const socket = connect(paths.mcpSocket);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Connects to the running broker, starting one in the background if needed and allowed. */
async function reachBroker(o: ConnectOptions): Promise<Socket> {
  try {
    return await openSocket(o.dataDir);
  } catch (error) {
    if (isBrokerError(error, 'PATH_UNSAFE')) throw error;
    if (!o.autoStart)
      throw new BrokerError(
        'BROKER_UNREACHABLE',
        'No broker is running. Start it with "mcp-auth-broker serve".',
        { cause: error },
      );
  }
  // Only a shim that finds no broker pays for loading the starter (issue 11 point 2).
  const { startBackgroundBroker, logTail } = await import('./start-broker.js');
  const started = startBackgroundBroker(o);
  const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      return await openSocket(o.dataDir);
    } catch (error) {
      if (isBrokerError(error, 'PATH_UNSAFE')) throw error;
      // Another shim's broker may win the lock: keep trying until the deadline either way.
    }
  }
  const code = started.exited();
  throw new BrokerError(
    'BROKER_UNREACHABLE',
    `The broker did not start${code === null ? '' : ` (exit code ${String(code)})`}. Its log (${started.logPath}) ends with:\n${logTail(started.logPath)}`,
  );
}

/**
 * `mcp-auth-broker connect`: the stdio command Claude Desktop launches. Bytes are relayed unchanged
 * between stdin/stdout and the broker's same-user socket; the broker frames, validates and answers
 * them, so this process writes nothing but the broker's JSON-RPC to stdout. Resolves with the exit code.
 */
export async function runConnect(o: ConnectOptions): Promise<number> {
  let socket: Socket;
  try {
    socket = await reachBroker(o);
  } catch (error) {
    o.stderr.write(`mcp-auth-broker connect: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  return new Promise((resolve) => {
    let inputEnded = false;
    o.stdin.on('end', () => {
      inputEnded = true;
      socket.end();
    });
    o.stdin.pipe(socket, { end: false });
    socket.pipe(o.stdout, { end: false });
    socket.on('error', (error) => o.stderr.write(`mcp-auth-broker connect: ${error.message}\n`));
    socket.on('close', () => {
      if (!inputEnded) o.stderr.write('mcp-auth-broker connect: the broker closed the connection.\n');
      resolve(inputEnded ? 0 : 1);
    });
  });
}
