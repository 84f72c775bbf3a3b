import { fileURLToPath } from 'node:url';

import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { Gateway, type GatewayTiming } from '../gateway/gateway.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));
const ctx = { client: 'test-client' };
const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('Credential rotation with a hung call (real fixture server)', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  function makeGateway(timing: Partial<GatewayTiming>, extra: Record<string, unknown> = {}) {
    gateway = new Gateway({
      servers: { fx: StdioServerSchema.parse({ command: process.execPath, args: [FIXTURE], ...extra }) },
      secrets: memorySecretStore(),
      audit: { record: () => undefined },
      logger: silentLogger(),
      clock: systemClock,
      redactor: new SecretRedactor(),
      timing: { initialMs: 50, maxMs: 200, startWaitMs: 5000, startTimeoutMs: 5000, ...timing },
    });
    return gateway;
  }

  it('REL-3 a call that never answers delays a rotation and other calls only by the bounded drain', async () => {
    const gw = makeGateway({ drainTimeoutMs: 1500 });
    await gw.start();
    const hung = gw.callTool('fx__slow', { ms: 600_000 }, ctx).catch((e: unknown) => e);
    await vi.waitFor(async () => {
      expect(textOf(await gw.callTool('fx__last_slow', {}, ctx))).toContain('running');
    });
    const started = Date.now();
    const rotation = gw.restartServerWhenIdle('fx');
    // A call from another client arrives while the rotation waits for the hung call.
    const other = await gw.callTool('fx__echo', { text: 'still served' }, ctx);
    const waitedMs = Date.now() - started;
    expect(textOf(other)).toContain('still served');
    expect(waitedMs).toBeLessThan(8000);
    await rotation;
    const error = await hung;
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toMatch(/restarted .*while this call was still running/);
  }, 30_000);

  it('REL-3 the call timeout is configurable per server', async () => {
    const gw = makeGateway({}, { callTimeoutMs: 1000 });
    await gw.start();
    const started = Date.now();
    const error = await gw.callTool('fx__slow', { ms: 600_000 }, ctx).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toMatch(/timed out|timeout/i);
  }, 30_000);

  it('REL-3 a per-server call timeout must be a positive number of milliseconds', () => {
    const parsed = StdioServerSchema.safeParse({ command: 'x', callTimeoutMs: -5 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['callTimeoutMs'], message: 'at least 1000 ms' });
    expect(StdioServerSchema.parse({ command: 'x', callTimeoutMs: 120_000 }).callTimeoutMs).toBe(120_000);
  });
});
