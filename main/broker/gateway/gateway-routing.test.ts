import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { type CallToolResult, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { ACCESS_DENIED_CODE, Gateway, RESOURCE_NOT_FOUND_CODE } from './gateway.js';
import { EXPOSED_NAME_PATTERN } from './tool-naming.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));
const CANARY = 'canary-secret-7f3a9c1e5b';

function fixture(name: string, extra: Record<string, unknown> = {}) {
  const { env, ...rest } = extra;
  return StdioServerSchema.parse({
    command: process.execPath,
    args: [FIXTURE],
    env: { FIXTURE_NAME: name, ...(env as Record<string, unknown> | undefined) },
    ...rest,
  });
}

const store: SecretStore = {
  description: 'memory',
  get: (name) => Promise.resolve(name === 'alpha-token' ? CANARY : undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve(['alpha-token']),
};

const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('Gateway routing (real fixture servers)', () => {
  const audit: AuditEventInput[] = [];
  const redactor = new SecretRedactor();
  let gateway: Gateway;
  const ctx = { client: 'test-client' };

  beforeAll(async () => {
    process.env['MAB_TEST_BROKER_ONLY'] = 'not-for-children';
    gateway = new Gateway({
      servers: {
        alpha: fixture('alpha', { env: { TOKEN: { secret: 'alpha-token' }, FIXTURE_STDERR_ENV: 'TOKEN' } }),
        beta: fixture('beta', { tools: { deny: ['env_value_length', 'env_keys'] } }),
        gamma: fixture('gamma', { env: { FIXTURE_EXTRA_TOOL: '1' }, tools: { allow: ['echo', 'fail'] } }),
      },
      secrets: store,
      audit: { record: (event) => audit.push(event) },
      logger: silentLogger(),
      clock: systemClock,
      redactor,
      timing: { initialMs: 50, maxMs: 200, startWaitMs: 5000 },
    });
    await gateway.start();
  });

  afterAll(async () => {
    delete process.env['MAB_TEST_BROKER_ONLY'];
    await gateway.stop();
  });

  it('aggregates the tools of every server under <server>__<tool>', () => {
    const names = gateway.listTools().map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['alpha__echo', 'beta__echo', 'gamma__echo', 'alpha__crash']),
    );
    for (const name of names) expect(name).toMatch(EXPOSED_NAME_PATTERN);
    const status = gateway.status();
    expect(status.map((s) => [s.name, s.state])).toEqual([
      ['alpha', 'running'],
      ['beta', 'running'],
      ['gamma', 'running'],
    ]);
    expect(status[0]!.pid).toBeGreaterThan(0);
    expect(status[0]!.tools).toContain('alpha__echo');
  });

  it('routes each call to its server and audits it without the arguments', async () => {
    expect(textOf(await gateway.callTool('alpha__echo', { text: 'hi' }, ctx))).toBe('alpha: hi');
    expect(textOf(await gateway.callTool('beta__echo', { text: 'hi' }, ctx))).toBe('beta: hi');
    const record = audit.find((e) => e.type === 'tool.call' && e.server === 'beta');
    expect(record).toMatchObject({ client: 'test-client', tool: 'echo', outcome: 'ok' });
    expect(record?.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(record)).not.toContain('hi');
  });

  it('applies allow/deny filters: not listed, call denied and audited', async () => {
    const names = gateway.listTools().map((t) => t.name);
    expect(names).not.toContain('beta__env_value_length');
    expect(names).toContain('beta__env_fingerprint');
    expect(names.filter((n) => n.startsWith('gamma__')).sort()).toEqual(['gamma__echo', 'gamma__fail']);
    const error = await gateway
      .callTool('beta__env_value_length', { name: 'PATH' }, ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ACCESS_DENIED_CODE);
    expect((error as McpError).message).toContain('tools.deny');
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'tool.denied',
        server: 'beta',
        tool: 'env_value_length',
        outcome: 'denied',
      }),
    );
  });

  it('limits a client to its scope', async () => {
    const scope = new Set(['alpha']);
    expect(gateway.listTools(scope).every((t) => t.name.startsWith('alpha__'))).toBe(true);
    expect(gateway.listPrompts(scope).map((p) => p.name)).toEqual(['alpha__hello']);
    const error = await gateway
      .callTool('beta__echo', { text: 'x' }, { ...ctx, scope })
      .catch((e: unknown) => e);
    expect((error as McpError).code).toBe(ACCESS_DENIED_CODE);
    expect(
      audit.filter((e) => e.type === 'tool.denied' && e.server === 'beta' && e.tool === 'echo'),
    ).toHaveLength(1);
  });

  it('injects the secret into the child only, and never shows its value', async () => {
    const result = await gateway.callTool('alpha__env_fingerprint', { name: 'TOKEN' }, ctx);
    const expected = createHash('sha256').update(CANARY).digest('hex').slice(0, 12);
    expect(JSON.parse(textOf(result))).toEqual({ present: true, length: CANARY.length, sha256: expected });
    const keys = JSON.parse(textOf(await gateway.callTool('alpha__env_keys', {}, ctx))) as string[];
    expect(keys).toContain('PATH');
    expect(keys).not.toContain('MAB_TEST_BROKER_ONLY');
    const alpha = gateway.status().find((s) => s.name === 'alpha')!;
    expect(alpha.stderrTail.join('\n')).toContain('TOKEN=[REDACTED]');
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'server.credential', server: 'alpha', secretName: 'alpha-token' }),
    );
    expect(JSON.stringify(gateway.status())).not.toContain(CANARY);
    expect(JSON.stringify(audit)).not.toContain(CANARY);
  });

  it("exposes one unprefixed server's names exactly, and a custom prefix as given (issue 12 point 4)", async () => {
    const solo = new Gateway({
      servers: { solo: fixture('solo', { prefix: false }) },
      secrets: store,
      audit: { record: () => undefined },
      logger: silentLogger(),
      clock: systemClock,
      redactor,
    });
    const custom = new Gateway({
      servers: { delta: fixture('delta', { prefix: 'd_' }), epsilon: fixture('epsilon') },
      secrets: store,
      audit: { record: () => undefined },
      logger: silentLogger(),
      clock: systemClock,
      redactor,
    });
    await Promise.all([solo.start(), custom.start()]);
    try {
      expect(solo.listTools().map((t) => t.name)).toContain('echo');
      expect(solo.listPrompts().map((p) => p.name)).toEqual(['hello']);
      expect(textOf(await solo.callTool('echo', { text: 'plain' }, ctx))).toContain('plain');
      expect(solo.serverOfExposedName('echo', 'tool')).toBe('solo');

      const names = custom.listTools().map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['d_echo', 'epsilon__echo']));
      expect(names).not.toContain('delta__echo');
      expect(textOf(await custom.callTool('d_echo', { text: 'custom' }, ctx))).toContain('custom');
      expect(
        custom
          .listPrompts()
          .map((p) => p.name)
          .sort(),
      ).toEqual(['d_hello', 'epsilon__hello']);
      expect(custom.serverOfExposedName('d_not_listed_yet', 'tool')).toBe('delta');
    } finally {
      await Promise.all([solo.stop(), custom.stop()]);
    }
  });

  it('shortens a very long tool name and still routes it', async () => {
    const server = new Gateway({
      servers: { delta: fixture('delta', { env: { FIXTURE_EXTRA_TOOL: '1' } }) },
      secrets: store,
      audit: { record: () => undefined },
      logger: silentLogger(),
      clock: systemClock,
      redactor,
    });
    await server.start();
    try {
      const long = server.listTools().find((t) => t.description === 'Long name')!;
      expect(long.name).toMatch(/^delta__a_really_long_tool_name.*_[0-9a-f]{8}$/);
      expect(long.name.length).toBeLessThanOrEqual(64);
      expect(textOf(await server.callTool(long.name, {}, ctx))).toBe('long tool works');
    } finally {
      await server.stop();
    }
  });

  it('returns an isError result as it is and audits it as an error', async () => {
    const result = await gateway.callTool('gamma__fail', {}, ctx);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('this tool always fails');
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'tool.call', tool: 'fail', outcome: 'error' }),
    );
  });

  it('rejects an unknown tool with InvalidParams', async () => {
    const error = await gateway.callTool('alpha__nope', {}, ctx).catch((e: unknown) => e);
    expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((error as McpError).message).toContain('Unknown tool "alpha__nope"');
  });

  it('forwards progress notifications', async () => {
    const seen: unknown[] = [];
    const result = await gateway.callTool(
      'beta__progress',
      { steps: 3 },
      { ...ctx, onprogress: (p) => seen.push(p) },
    );
    expect(textOf(result)).toBe('done 3');
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
  });

  it('cancels the upstream call when the client aborts', async () => {
    const controller = new AbortController();
    const call = gateway.callTool('beta__slow', { ms: 20_000 }, { ...ctx, signal: controller.signal });
    await expect.poll(async () => textOf(await gateway.callTool('beta__last_slow', {}, ctx))).toBe('running');
    controller.abort(new Error('client went away'));
    await expect(call).rejects.toBeInstanceOf(McpError);
    await expect
      .poll(async () => textOf(await gateway.callTool('beta__last_slow', {}, ctx)))
      .toBe('cancelled');
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'tool.call', tool: 'slow', errorCode: 'cancelled' }),
    );
  });

  it('forwards upstream log messages', async () => {
    const logs: unknown[] = [];
    const onLog = (entry: unknown) => logs.push(entry);
    gateway.on('log', onLog);
    await gateway.callTool('alpha__log', { message: `note ${CANARY}` }, ctx);
    await expect.poll(() => logs.length).toBe(1);
    gateway.off('log', onLog);
    expect(logs[0]).toEqual({
      server: 'alpha',
      level: 'warning',
      logger: 'fixture',
      data: { message: 'note [REDACTED]' },
    });
  });

  it('re-lists after list_changed and emits toolsChanged', async () => {
    let changed = 0;
    const onChange = () => (changed += 1);
    gateway.on('toolsChanged', onChange);
    await gateway.callTool('beta__add_tool', { name: 'fresh' }, ctx);
    await expect.poll(() => gateway.listTools().map((t) => t.name)).toContain('beta__fresh');
    gateway.off('toolsChanged', onChange);
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(textOf(await gateway.callTool('beta__fresh', {}, ctx))).toBe('fresh works');
  });

  it('routes resources, resource templates and prompts', async () => {
    const uris = gateway.listResources().map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(['fixture://alpha/info', 'fixture://beta/info']));
    const templates = gateway.listResourceTemplates().map((t) => t.uriTemplate);
    expect(templates).toContain('fixture://gamma/items/{id}');
    const info = await gateway.readResource('fixture://beta/info', ctx);
    expect(info.contents[0]).toMatchObject({ uri: 'fixture://beta/info', text: 'fixture beta' });
    const item = await gateway.readResource('fixture://gamma/items/42', ctx);
    expect(item.contents[0]).toMatchObject({ text: 'item 42 from gamma' });
    const missing = await gateway.readResource('fixture://nowhere/x', ctx).catch((e: unknown) => e);
    expect((missing as McpError).code).toBe(RESOURCE_NOT_FOUND_CODE);
    const scoped = await gateway
      .readResource('fixture://beta/info', { ...ctx, scope: new Set(['alpha']) })
      .catch((e: unknown) => e);
    expect((scoped as McpError).code).toBe(RESOURCE_NOT_FOUND_CODE);
    expect(gateway.listPrompts().map((p) => p.name)).toEqual(['alpha__hello', 'beta__hello', 'gamma__hello']);
    const prompt = await gateway.getPrompt('beta__hello', { who: 'Ann' }, ctx);
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello Ann from beta' });
  });
});
