import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  CLI,
  connectThroughShim,
  fixtureServer,
  runCli,
  stopBackgroundBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { MAX_MESSAGE_BYTES } from '../jsonrpc/line-framer.js';

let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;

beforeEach(() => {
  tmp = makeTempDir();
  home = writeBrokerHome(tmp.path, {
    servers: {
      alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }),
      beta: fixtureServer({ FIXTURE_NAME: 'beta' }, { tools: { deny: ['crash'] } }),
    },
  });
});

afterEach(async () => {
  await stopBackgroundBroker(home.dataDir);
  tmp.remove();
});

/** Speaks raw newline-delimited JSON-RPC to a `connect` process; returns each stdout line parsed. */
function rawShim(h: BrokerHome) {
  const child = spawn(
    process.execPath,
    [CLI, 'connect', '--config', h.configPath, '--data-dir', h.dataDir, '--port', '0'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  const waitFor = async (pred: (m: Record<string, unknown>) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const hit = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no matching message; got ${lines.join('\n')}`);
  };
  return { child, lines, waitFor, send: (text: string) => child.stdin.write(text + '\n') };
}

describe('connect shim → broker', () => {
  it('lists tools of two servers namespaced <server>__<tool> and routes calls to the right one', async () => {
    const { client } = await connectThroughShim(home);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha__echo');
    expect(names).toContain('beta__echo');
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const result = await client.callTool({ name: 'beta__echo', arguments: { text: 'hi' } });
    expect(JSON.stringify(result.content)).toContain('hi');
    expect(JSON.stringify(result.content)).toContain('beta');
    await client.close();
  });

  it('applies tool deny filters: the denied tool is neither listed nor callable', async () => {
    const { client } = await connectThroughShim(home);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha__crash');
    expect(names).not.toContain('beta__crash');
    await expect(client.callTool({ name: 'beta__crash', arguments: {} })).rejects.toThrow();
    await client.close();
  });

  it('answers malformed JSON-RPC with an error and keeps the connection up', async () => {
    const shim = rawShim(home);
    shim.send('{not json');
    const parseError = await shim.waitFor(
      (m) => (m['error'] as { code?: number } | undefined)?.code === -32700,
    );
    expect(parseError['id']).toBeNull();
    shim.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 42 }));
    const invalid = await shim.waitFor((m) => m['id'] === 7);
    expect((invalid['error'] as { code: number }).code).toBe(-32600);
    shim.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    );
    const init = await shim.waitFor((m) => m['id'] === 1);
    expect(init['result']).toBeDefined();
    for (const line of shim.lines) expect(JSON.parse(line)).toHaveProperty('jsonrpc', '2.0');
    shim.child.stdin.end();
  });

  it(`refuses messages over the ${String(MAX_MESSAGE_BYTES)}-byte limit and stays usable`, async () => {
    const shim = rawShim(home);
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 99,
      method: 'ping',
      params: { pad: 'x'.repeat(MAX_MESSAGE_BYTES + 10) },
    });
    shim.send(huge);
    const refused = await shim.waitFor((m) =>
      String((m['error'] as { message?: string } | undefined)?.message).includes('exceeds'),
    );
    expect((refused['error'] as { code: number }).code).toBe(-32600);
    shim.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }));
    const pong = await shim.waitFor((m) => m['id'] === 2);
    expect(pong['result']).toEqual({});
    shim.child.stdin.end();
  });

  it('starts one broker in the background for many concurrent shims (one owner of the secrets)', async () => {
    const shims = await Promise.all([1, 2, 3, 4].map(() => connectThroughShim(home)));
    const results = await Promise.all(
      shims.map(({ client }) => client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } })),
    );
    expect(results).toHaveLength(4);
    const status = await runCli([
      'status',
      '--json',
      '--config',
      home.configPath,
      '--data-dir',
      home.dataDir,
    ]);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout) as { broker: { pid: number; clients: number } };
    const lock = JSON.parse(readFileSync(join(home.dataDir, 'broker.lock'), 'utf8')) as { pid: number };
    expect(body.broker.pid).toBe(lock.pid);
    expect(body.broker.clients).toBe(4);
    // The background broker's output goes to a log file: no one-time login link (a credential) there.
    expect(readFileSync(join(home.dataDir, 'broker.log'), 'utf8')).not.toMatch(/login\?token=/);
    await Promise.all(shims.map(({ client }) => client.close()));
  });
});
