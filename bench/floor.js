// The physical floor, measured in the same run as the MCP paths: a bare newline-JSON round trip from
// this process to a Node echo over a pipe (2 processes), and through a byte relay to an echo on a Unix
// socket (3 processes: client → relay → echo, the shape of client → shim → broker).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { spawnUntil, stopChild } from './lib.js';

const PEER = fileURLToPath(new URL('./floor-peer.mjs', import.meta.url));

/** A JSON-RPC-like caller over a child's stdio: `call(text)` resolves with the answer. */
function lineCaller(child) {
  const waiting = new Map();
  let buffer = '';
  let nextId = 0;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    }
  });
  return (i) =>
    new Promise((resolve) => {
      const id = (nextId += 1);
      waiting.set(id, resolve);
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { text: `call ${i}` } })}\n`,
      );
    });
}

/** Starts both floors; `pipe` and `chain` are call functions for timeSequential. */
export async function startFloors(dir) {
  const echo = spawn(process.execPath, [PEER, 'echo'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const socketPath = join(dir, 'floor.sock');
  const { child: echoSocket } = await spawnUntil([PEER, 'echo-socket', socketPath], /ready/);
  const relay = spawn(process.execPath, [PEER, 'relay', socketPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  return {
    pipe: lineCaller(echo),
    chain: lineCaller(relay),
    stop: async () => {
      echo.stdin.end();
      relay.stdin.end();
      await Promise.all([stopChild(echo), stopChild(relay), stopChild(echoSocket)]);
    },
  };
}
