import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { fastSleep, signInByDevice } from '../../test-support/provider-sign-in.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { Gateway, SERVER_UNAVAILABLE_CODE } from '../gateway/gateway.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { wireLiveRotation } from './credential-rotation.js';
import { parseAccountId } from './provider-config.js';
import { ProviderService } from './provider-service.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));
const ctx = { client: 'test-client' };
const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
const sha12 = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 12);

describe('credentials into servers and live rotation (real oidc-provider, real stdio servers)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    let now = Date.now();
    const as: OidcTestProvider = await startOidcTestProvider();
    const dir = makeTempDir();
    const audit: AuditEventInput[] = [];
    const redactor = new SecretRedactor();
    const deps = {
      audit: { record: (e: AuditEventInput) => audit.push(e) },
      logger: silentLogger(),
      redactor,
    };
    const clock = { now: () => now };
    const service = new ProviderService({
      ...deps,
      providers: {
        corp: { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      },
      secrets: memorySecretStore(),
      dataDir: dir.path,
      clock,
      sleep: fastSleep,
    });
    await signInByDevice(service, 'corp');
    const gateway = new Gateway({
      ...deps,
      servers: {
        api: StdioServerSchema.parse({
          command: process.execPath,
          args: [FIXTURE],
          env: { TOKEN: { provider: 'corp' }, AUTH: { provider: 'corp', template: 'Bearer {access_token}' } },
        }),
      },
      secrets: memorySecretStore(),
      credentials: service.refresher,
      clock,
      timing: { initialMs: 50, maxMs: 200, startWaitMs: 10_000, startTimeoutMs: 10_000 },
    });
    const unwire = wireLiveRotation(service.refresher, gateway, silentLogger());
    cleanups.push(
      () => as.close(),
      () => dir.remove(),
      () => gateway.stop(),
      unwire,
    );
    await gateway.start();
    const fingerprint = async (name = 'TOKEN') =>
      JSON.parse(textOf(await gateway.callTool('api__env_fingerprint', { name }, ctx))) as { sha256: string };
    const expire = () => (now += 10 * 60_000);
    return { as, service, gateway, audit, fingerprint, expire };
  }

  it('passes the access token (and a template) into the server env and audits which account it got', async () => {
    const { service, fingerprint, audit } = await setup();
    const tokens = await service.store.load(parseAccountId('corp'));
    expect((await fingerprint()).sha256).toBe(sha12(tokens?.accessToken ?? ''));
    expect((await fingerprint('AUTH')).sha256).toBe(sha12(`Bearer ${tokens?.accessToken ?? ''}`));
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'server.credential',
        server: 'api',
        secretName: 'provider:corp:default',
      }),
    );
    expect(JSON.stringify(audit)).not.toContain(tokens?.accessToken);
  });

  it('live rotation restarts a server after a refresh and its next call sees the new token', async () => {
    const { service, gateway, fingerprint, expire } = await setup();
    const first = (await fingerprint()).sha256;
    const pid = gateway.status()[0]?.pid;
    expire();
    await service.refresher.refresh('corp');
    const next = await fingerprint();
    const stored = await service.store.load(parseAccountId('corp'));
    expect(next.sha256).not.toBe(first);
    expect(next.sha256).toBe(sha12(stored?.accessToken ?? ''));
    expect(gateway.status()[0]?.pid).not.toBe(pid);
  });

  it('CL-10 16 concurrent tool calls at expiry cause exactly one refresh request and zero failed calls', async () => {
    const { as, service, gateway, fingerprint, expire } = await setup();
    const first = (await fingerprint()).sha256;
    const inFlight = gateway.callTool('api__slow', { ms: 300 }, ctx); // started before expiry
    await vi.waitFor(async () => {
      const last = await gateway.callTool('api__last_slow', {}, ctx);
      expect(JSON.stringify(last.content)).toContain('running');
    });
    expire();
    const results = await Promise.allSettled(Array.from({ length: 16 }, () => fingerprint()));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await inFlight).isError).not.toBe(true); // not cut off by the restart
    expect(as.tokenRequests('refresh_token')).toHaveLength(1);
    const stored = await service.store.load(parseAccountId('corp'));
    const seen = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.sha256 : '')));
    expect([...seen]).toEqual([sha12(stored?.accessToken ?? '')]);
    expect(seen.has(first)).toBe(false);
  });

  it('CL-10 a refused refresh makes the tools fail with the provider and the command to fix it', async () => {
    const { as, service, gateway, expire } = await setup();
    const grants = as.requests.length;
    await service.store.markSignInNeeded(parseAccountId('corp'), 'invalid_grant');
    expire();
    const error = await gateway.callTool('api__echo', { text: 'hi' }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(SERVER_UNAVAILABLE_CODE);
    expect((error as McpError).message).toMatch(/Provider "corp".*Run: mcp-auth-broker login corp/);
    expect(as.requests.length).toBe(grants); // no refresh attempted for a "sign-in needed" account
  });
});
