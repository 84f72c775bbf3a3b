import { fileURLToPath } from 'node:url';

import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { Gateway, SERVER_UNAVAILABLE_CODE } from './gateway.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));
const CANARY = 'canary-lifecycle-91d2e7a0';

function fixture(env: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return StdioServerSchema.parse({ command: process.execPath, args: [FIXTURE], env, ...extra });
}

const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('Gateway server lifecycle (real fixture servers)', () => {
  let gateway: Gateway | undefined;
  let audit: AuditEventInput[] = [];
  const ctx = { client: 'test-client' };

  function makeGateway(servers: Record<string, ReturnType<typeof fixture>>, secrets = memorySecretStore()) {
    audit = [];
    gateway = new Gateway({
      servers,
      secrets,
      audit: { record: (event) => audit.push(event) },
      logger: silentLogger(),
      clock: systemClock,
      redactor: new SecretRedactor(),
      timing: { initialMs: 50, maxMs: 200, startWaitMs: 5000, startTimeoutMs: 5000 },
    });
    return gateway;
  }

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('marks a server with a missing secret failed, with the fix command, and does not retry', async () => {
    const secrets = memorySecretStore();
    const gw = makeGateway({ github: fixture({ TOKEN: { secret: 'gh-token' } }) }, secrets);
    await gw.start();
    const [status] = gw.status();
    expect(status).toMatchObject({ name: 'github', state: 'failed', toolCount: 0 });
    expect(status?.lastError).toContain('Run: mcp-auth-broker secret set gh-token');
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'server.start_failed',
        server: 'github',
        errorCode: 'SECRET_NOT_FOUND',
      }),
    );
    // A fixed wait on purpose: it proves that no restart follows (something that must NOT happen).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gw.status()[0]).toMatchObject({ state: 'failed', restarts: 0 });
    const error = await gw.callTool('github__echo', { text: 'x' }, ctx).catch((e: unknown) => e);
    expect((error as McpError).code).toBe(SERVER_UNAVAILABLE_CODE);
    expect((error as McpError).message).toContain('secret set gh-token');
    await secrets.set('gh-token', 'now-it-exists');
    expect(gw.serversUsingSecret('gh-token')).toEqual(['github']);
    await gw.restartServer('github');
    expect(gw.status()[0]?.state).toBe('running');
  });

  it('shows the stderr tail of a server that fails to start, and keeps retrying', async () => {
    const gw = makeGateway({ broken: fixture({ FIXTURE_FAIL_START: '1' }) });
    await gw.start();
    const [status] = gw.status();
    expect(status?.state).toBe('failed');
    expect(status?.lastError).toContain('exited with code 2');
    expect(status?.lastError).toContain('fatal: bad config');
    expect(status?.stderrTail).toContain('fatal: bad config');
    expect(audit).toContainEqual(expect.objectContaining({ type: 'server.start_failed', server: 'broken' }));
    const error = await gw.callTool('broken__echo', { text: 'x' }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(SERVER_UNAVAILABLE_CODE);
    expect((error as McpError).message).toContain('Server "broken" is unavailable');
    expect((error as McpError).message).toContain('fatal: bad config');
    await expect.poll(() => gw.status()[0]?.restarts ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('reports a command that cannot be run', async () => {
    const gw = makeGateway({ ghost: StdioServerSchema.parse({ command: '/nonexistent/mcp-server-xyz' }) });
    await gw.start();
    expect(gw.status()[0]?.state).toBe('failed');
    expect(gw.status()[0]?.lastError).toContain('could not run "/nonexistent/mcp-server-xyz"');
  });

  it('fails calls in flight when a server crashes, restarts it, and the next call works', async () => {
    const secrets = memorySecretStore({ 'crash-token': CANARY });
    const gw = makeGateway(
      {
        flaky: fixture({
          TOKEN: { secret: 'crash-token' },
          FIXTURE_STDERR_ENV: 'TOKEN',
          FIXTURE_NAME: 'flaky',
        }),
      },
      secrets,
    );
    await gw.start();
    const firstPid = gw.status()[0]?.pid;
    const inFlight = gw.callTool('flaky__slow', { ms: 20_000 }, ctx).catch((e: unknown) => e);
    const crash = (await gw.callTool('flaky__crash', {}, ctx).catch((e: unknown) => e)) as McpError;
    expect(crash).toBeInstanceOf(McpError);
    expect(crash.code).toBe(SERVER_UNAVAILABLE_CODE);
    expect(crash.message).toContain('Server "flaky" is unavailable: it exited with code 1');
    expect(crash.message).toContain('crashing on purpose');
    expect(crash.message).not.toContain(CANARY);
    expect(((await inFlight) as McpError).code).toBe(SERVER_UNAVAILABLE_CODE);
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'server.crash', server: 'flaky', errorCode: 1 }),
    );

    expect(textOf(await gw.callTool('flaky__echo', { text: 'again' }, ctx))).toBe('flaky: again');
    const status = gw.status()[0]!;
    expect(status).toMatchObject({ state: 'running', restarts: 1 });
    expect(status.pid).not.toBe(firstPid);
    expect(audit.filter((e) => e.type === 'server.credential')).toHaveLength(2);
    expect(JSON.stringify(gw.status())).not.toContain(CANARY);
    expect(JSON.stringify(audit)).not.toContain(CANARY);
  });

  it('keeps a crashed server listed while it restarts and emits statusChanged', async () => {
    const gw = makeGateway({ one: fixture() });
    await gw.start();
    const states: string[] = [];
    gw.on('statusChanged', () => states.push(gw.status()[0]!.state));
    await gw.callTool('one__crash', {}, ctx).catch(() => undefined);
    expect(gw.listTools().map((t) => t.name)).toContain('one__echo');
    await expect.poll(() => gw.status()[0]?.state).toBe('running');
    expect(states).toEqual(expect.arrayContaining(['crashed', 'starting', 'running']));
  });

  it('stops servers, audits server.exit, and skips disabled ones', async () => {
    const gw = makeGateway({ on: fixture(), off: fixture({}, { enabled: false }) });
    await gw.start();
    expect(gw.status().map((s) => [s.name, s.state, s.enabled])).toEqual([
      ['off', 'disabled', false],
      ['on', 'running', true],
    ]);
    expect(gw.listTools().some((t) => t.name.startsWith('off__'))).toBe(false);
    let changed = false;
    gw.on('toolsChanged', () => (changed = true));
    await gw.stop();
    expect(changed).toBe(true);
    expect(gw.status().find((s) => s.name === 'on')?.state).toBe('stopped');
    expect(gw.listTools()).toEqual([]);
    expect(audit).toContainEqual(expect.objectContaining({ type: 'server.exit', server: 'on' }));
    const error = await gw.callTool('on__echo', { text: 'x' }, ctx).catch((e: unknown) => e);
    expect((error as McpError).code).toBe(SERVER_UNAVAILABLE_CODE);
    await expect(gw.restartServer('nope')).rejects.toThrow('No server named "nope"');
  });
});
