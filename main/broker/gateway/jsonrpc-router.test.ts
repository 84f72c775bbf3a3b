import { fileURLToPath } from 'node:url';

import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { ACCESS_DENIED_CODE, Gateway } from './gateway.js';
import { createFrontSession } from './mcp-front.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));

const fixture = (name: string, extra: Record<string, unknown> = {}) =>
  StdioServerSchema.parse({
    command: process.execPath,
    args: [FIXTURE],
    env: { FIXTURE_NAME: name },
    ...extra,
  });

const store: SecretStore = {
  description: 'memory',
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

/** Polls `check` until it holds (no fixed sleeps). */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A raw JSON-RPC client on one front session: sends messages as written, keeps what comes back. */
async function rawSession(gateway: Gateway, audit: AuditEventInput[]) {
  const [clientSide, brokerSide] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  clientSide.onmessage = (message) => received.push(message);
  await clientSide.start();
  const session = createFrontSession({
    gateway,
    audit: { record: (event) => audit.push(event) },
    logger: silentLogger(),
    version: 'test',
    connectionLabel: 'raw-1',
  });
  await session.connect(brokerSide);
  const send = (message: Record<string, unknown>) =>
    clientSide.send({ jsonrpc: '2.0', ...message } as JSONRPCMessage);
  const response = async (id: string | number) => {
    await until(() => received.some((m) => 'id' in m && m.id === id && !('method' in m)));
    return received.find((m) => 'id' in m && m.id === id && !('method' in m)) as Record<string, unknown>;
  };
  await send({
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await response('init');
  await send({ method: 'notifications/initialized' });
  return { send, response, received, close: () => clientSide.close() };
}

const textOf = (result: unknown): string =>
  (result as { content: { text: string }[] }).content[0]?.text ?? '';

describe('JSON-RPC router (real fixture servers)', () => {
  const audit: AuditEventInput[] = [];
  let gateway: Gateway;
  let lone: Gateway;

  beforeAll(async () => {
    const deps = {
      secrets: store,
      audit: { record: (event: AuditEventInput) => audit.push(event) },
      logger: silentLogger(),
      clock: systemClock,
      redactor: new SecretRedactor(),
      timing: { initialMs: 50, maxMs: 200, startWaitMs: 5000 },
    };
    gateway = new Gateway({
      ...deps,
      servers: { alpha: fixture('alpha'), beta: fixture('beta', { tools: { deny: ['env_keys'] } }) },
    });
    lone = new Gateway({ ...deps, servers: { solo: fixture('solo') } });
    await Promise.all([gateway.start(), lone.start()]);
  });

  afterAll(async () => {
    await Promise.all([gateway.stop(), lone.stop()]);
  });

  it('answers concurrent calls under the client ids, however the client numbers them', async () => {
    const s = await rawSession(gateway, audit);
    // Same numbers as the SDK client's own ids upstream, a string id, and interleaved servers.
    const ids: (string | number)[] = [0, 1, 2, 'x-1', 3, 'x-2', 4, 5];
    await Promise.all(
      ids.map((id, i) =>
        s.send({
          id,
          method: 'tools/call',
          params: { name: i % 2 === 0 ? 'alpha__echo' : 'beta__echo', arguments: { text: `n${String(id)}` } },
        }),
      ),
    );
    for (const [i, id] of ids.entries()) {
      const response = await s.response(id);
      expect(textOf(response['result'])).toBe(`${i % 2 === 0 ? 'alpha' : 'beta'}: n${String(id)}`);
    }
    await s.close();
  });

  it('maps the client progress token to the upstream and back, under the client request', async () => {
    const s = await rawSession(gateway, audit);
    await s.send({
      id: 7,
      method: 'tools/call',
      params: { name: 'beta__progress', arguments: { steps: 3 }, _meta: { progressToken: 'client-token' } },
    });
    const response = await s.response(7);
    expect(textOf(response['result'])).toBe('done 3');
    const progress = s.received.filter((m) => 'method' in m && m.method === 'notifications/progress');
    expect(progress.map((m) => ('params' in m ? m.params : undefined))).toEqual([
      { progressToken: 'client-token', progress: 1, total: 3, message: 'step 1' },
      { progressToken: 'client-token', progress: 2, total: 3, message: 'step 2' },
      { progressToken: 'client-token', progress: 3, total: 3, message: 'step 3' },
    ]);
    await s.close();
  });

  it('maps the client cancellation to the upstream request, and sends no response for it', async () => {
    const s = await rawSession(gateway, audit);
    await s.send({
      id: 'slow-1',
      method: 'tools/call',
      params: { name: 'alpha__slow', arguments: { ms: 20_000 } },
    });
    // The fixture says "running" once the upstream has the call.
    let state = '';
    const probe = async (n: number): Promise<string> => {
      await s.send({
        id: `probe-${String(n)}`,
        method: 'tools/call',
        params: { name: 'alpha__last_slow', arguments: {} },
      });
      state = textOf((await s.response(`probe-${String(n)}`))['result']);
      return state;
    };
    for (let n = 0; state !== 'running'; n++) await probe(n);
    await s.send({
      method: 'notifications/cancelled',
      params: { requestId: 'slow-1', reason: 'changed my mind' },
    });
    for (let n = 100; (await probe(n)) !== 'cancelled'; n++);
    await until(() =>
      audit.some((e) => e.type === 'tool.call' && e.tool === 'slow' && e.errorCode === 'cancelled'),
    );
    expect(s.received.some((m) => 'id' in m && m.id === 'slow-1')).toBe(false);
    await s.close();
  });

  it('refuses a filtered-out tool by name before it reaches the server, and audits it', async () => {
    const s = await rawSession(gateway, audit);
    await s.send({ id: 9, method: 'tools/call', params: { name: 'beta__env_keys', arguments: {} } });
    const response = await s.response(9);
    expect(response['error']).toMatchObject({ code: ACCESS_DENIED_CODE });
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'tool.denied', server: 'beta', tool: 'env_keys' }),
    );
    await s.close();
  });

  it('answers a malformed call with InvalidParams at the boundary', async () => {
    const s = await rawSession(gateway, audit);
    await s.send({ id: 10, method: 'tools/call', params: { name: 42 } });
    expect((await s.response(10))['error']).toMatchObject({ code: -32602 });
    await s.close();
  });

  it('relays a method it does not know to a lone server, and refuses it when several could answer', async () => {
    const solo = await rawSession(lone, audit);
    await solo.send({ id: 11, method: 'fixture/whoami', params: { hello: 'there' } });
    expect((await solo.response(11))['result']).toEqual({ server: 'solo', params: { hello: 'there' } });
    await solo.close();
    const many = await rawSession(gateway, audit);
    await many.send({ id: 12, method: 'fixture/whoami', params: {} });
    expect((await many.response(12))['error']).toMatchObject({ code: -32601 });
    await many.close();
  });

  it('relays completion/complete for a namespaced prompt to its server, name un-prefixed', async () => {
    const s = await rawSession(gateway, audit);
    await s.send({
      id: 14,
      method: 'completion/complete',
      params: { ref: { type: 'ref/prompt', name: 'beta__hello' }, argument: { name: 'who', value: 'An' } },
    });
    const result = (await s.response(14))['result'] as { completion: { values: string[] } };
    expect(result.completion.values).toEqual(['Ann@beta', 'Anders@beta']);
    await s.send({
      id: 15,
      method: 'completion/complete',
      params: { ref: { type: 'ref/prompt', name: 'nobody__hello' }, argument: { name: 'who', value: '' } },
    });
    expect((await s.response(15))['error']).toMatchObject({ code: -32602 });
    await s.close();
  });

  it('answers ping itself', async () => {
    const s = await rawSession(gateway, audit);
    await s.send({ id: 13, method: 'ping' });
    expect((await s.response(13))['result']).toEqual({});
    await s.close();
  });
});
