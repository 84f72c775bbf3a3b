import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  connectThroughShim,
  fixtureServer,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { runtimePaths } from '../runtime/paths.js';
import { SocketTransport } from './socket-transport.js';

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** A connection to the broker's MCP socket that initializes and then never reads again. */
function stalledClient(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('error', reject);
    socket.once('connect', () => {
      const init = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'stalled', version: '1' },
        },
      };
      socket.write(`${JSON.stringify(init)}\n`);
      socket.once('data', () => {
        socket.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
        socket.pause();
        resolve(socket);
      });
    });
  });
}

describe('bounded output per connection', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('REL-4 a transport writing to a client that stops reading queues a bounded number of bytes and adds no listener per write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-bp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    const accepted = new Promise<Socket>((resolve) => {
      const server = createServer(resolve).listen(path);
      cleanups.push(() => server.close());
    });
    const reader = connect(path);
    reader.pause();
    cleanups.push(() => reader.destroy());
    const events: { closed: boolean }[] = [];
    const transport = new SocketTransport(await accepted, {
      maxQueuedBytes: 256 * 1024,
      onBackpressure: (event) => events.push(event),
    });
    await transport.start();
    const filler = 'x'.repeat(4096);
    for (let i = 0; i < 2000; i++) {
      await transport.send({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', data: filler },
      });
    }
    const socket = await accepted;
    expect(socket.writableLength).toBeLessThan(256 * 1024 + 8192);
    expect(socket.listenerCount('drain')).toBeLessThanOrEqual(1);
    expect(transport.droppedNotifications).toBeGreaterThan(1000);
    expect(events).toEqual([expect.objectContaining({ closed: false })]);
    // A response is still delivered while under the hard limit.
    await transport.send({ jsonrpc: '2.0', id: 7, result: {} });
    expect(socket.destroyed).toBe(false);
  });

  it('REL-4 a stopped shim and a notification flood leave the broker memory bounded and other clients served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-flood-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const home = writeBrokerHome(dir, {
      servers: { fx: fixtureServer() },
      secretStore: { type: 'encrypted-file' },
    });
    const env = { MCP_AUTH_BROKER_PASSPHRASE: 'flood-test-passphrase' };
    // A small heap makes the collector run often, so RSS follows what the broker really holds.
    const brokerEnv = { ...env, NODE_OPTIONS: '--max-old-space-size=128' };
    const broker: RunningBroker = await startBroker(home, [], brokerEnv);
    cleanups.push(() => broker.stop());
    const stalled = await stalledClient(runtimePaths(home.dataDir).mcpSocket);
    cleanups.push(() => stalled.destroy());
    const { client } = await connectThroughShim(home, env);
    cleanups.push(() => client.close());
    const pid = broker.process.pid ?? 0;
    // 3000 × 20 KB = 60 MB of notifications per flood toward a client that reads none of them. The
    // first flood warms the heap (parsing and relaying to the reading client); a bounded broker adds
    // little on the second, an unbounded one holds every byte of both (266 MB measured before the fix).
    const flood = async () => {
      const result = await client.callTool(
        { name: 'fx__flood', arguments: { count: 3000, bytes: 20_000 } },
        undefined,
        {
          timeout: 120_000,
        },
      );
      expect(result.isError).toBeFalsy();
      return rssBytes(pid);
    };
    const before = rssBytes(pid);
    const afterFirst = await flood();
    const afterSecond = await flood();
    console.log(
      `REL-4 broker RSS: ${(before / 1e6).toFixed(0)} MB idle, +${((afterFirst - before) / 1e6).toFixed(1)} MB after the first 60 MB flood, +${((afterSecond - afterFirst) / 1e6).toFixed(1)} MB after the second`,
    );
    expect(afterSecond - afterFirst).toBeLessThan(30 * 1024 * 1024);
    expect(afterSecond - before).toBeLessThan(120 * 1024 * 1024);
    const ping = await client.callTool({ name: 'fx__echo', arguments: { text: 'still here' } });
    expect(JSON.stringify(ping.content)).toContain('still here');
    const audit = readFileSync(join(home.dataDir, 'audit', 'audit.jsonl'), 'utf8');
    const backpressure = audit.split('\n').filter((line) => line.includes('"client.backpressure"'));
    expect(backpressure.length).toBeGreaterThanOrEqual(1);
    // One record per drop episode and connection, not one per dropped notification (6,000 were sent).
    expect(backpressure.length).toBeLessThanOrEqual(6);
  }, 150_000);
});
