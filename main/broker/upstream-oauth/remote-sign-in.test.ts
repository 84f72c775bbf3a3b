import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

async function whoami(client: Client): Promise<{ sub: string; scopes: string[] }> {
  return JSON.parse(textOf(await client.callTool({ name: 'remote__whoami' }))) as {
    sub: string;
    scopes: string[];
  };
}

const remoteStatus = (kit: RemoteKit) =>
  (kit.broker.status() as { servers: { name: string; state: string; lastError?: string }[] }).servers.find(
    (s) => s.name === 'remote',
  );

describe('remote MCP server with MCP authorization (issue 5)', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  it('CL-4 CL-5 fails fast before sign-in, then signs in by DCR + PKCE with resource and calls the tools', async () => {
    kit = await startRemoteKit();
    const status = remoteStatus(kit);
    expect(status?.state).toBe('failed');
    expect(status?.lastError).toContain('mcp-auth-broker login --server remote');
    const client = await kit.client();
    const started = Date.now();
    await expect(client.callTool({ name: 'remote__whoami' })).rejects.toThrow(
      /requires sign-in.*login --server remote/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);

    const events = await kit.signIn();
    expect(events.at(-1)?.event).toBe('success');
    const me = await whoami(client);
    expect(me.sub).toBe('alice');
    expect(me.scopes).toEqual(['mcp:read']);
    // CL-4: registered once as a native app; CL-5: resource sent on authorize and token requests.
    expect(kit.as.log.filter((l) => l.startsWith('POST /reg')).length).toBe(1);
    const tokenCalls = kit.as.log.filter((l) => l.startsWith('POST /token authorization_code'));
    expect(tokenCalls).toEqual([`POST /token authorization_code resource=${kit.server.url} 200`]);
    expect(kit.as.log).toContainEqual(
      expect.stringMatching(new RegExp(`^GET /auth resource=${kit.server.url} `)),
    );
    const audit = kit.auditText();
    expect(audit).toContain('"upstream.registered"');
    expect(audit).toContain('"upstream.signin"');
    expect(audit).toContain('"upstream.auth_failed"');
    expect(audit).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });

  it('CL-7 a 403 insufficient_scope asks for one step-up with the union of scopes, then works', async () => {
    kit = await startRemoteKit();
    await kit.signIn();
    const client = await kit.client();
    await expect(client.callTool({ name: 'remote__admin_action' })).rejects.toThrow(
      /needs more permission \(scope "mcp:read mcp:admin"\).*login --server remote/,
    );
    // Still pending, not a loop: the same answer until the person signs in again.
    await expect(client.callTool({ name: 'remote__admin_action' })).rejects.toThrow(/needs more permission/);
    await kit.signIn();
    expect((await whoami(client)).scopes.sort()).toEqual(['mcp:admin', 'mcp:read']);
    expect(textOf(await client.callTool({ name: 'remote__admin_action' }))).toBe('admin done');
    expect(kit.auditText().match(/"upstream\.step_up"/g)).toHaveLength(1);
  });

  it('refreshes an expired access token transparently (one refresh in flight)', async () => {
    kit = await startRemoteKit({ as: { accessTokenTtlS: 1 } });
    await kit.signIn();
    const client = await kit.client();
    await new Promise((r) => setTimeout(r, 1_100)); // let the 1 s token expire
    const results = await Promise.all([whoami(client), whoami(client), whoami(client)]);
    expect(results.map((r) => r.sub)).toEqual(['alice', 'alice', 'alice']);
    const refreshes = kit.as.log.filter((l) => l.startsWith('POST /token refresh_token'));
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refreshes.every((l) => l.endsWith(' 200'))).toBe(true);
    expect(kit.auditText()).toContain('"upstream.token_refresh"');
  });

  it('CL-4 invalid_client drops the registration; the next sign-in registers once more', async () => {
    kit = await startRemoteKit({ as: { accessTokenTtlS: 1 } });
    await kit.signIn();
    const client = await kit.client();
    await kit.as.forgetClients();
    await new Promise((r) => setTimeout(r, 1_100)); // the token expires; its refresh meets invalid_client
    await expect(whoami(client)).rejects.toThrow(/invalid_client.*login --server remote/);
    await kit.signIn();
    expect((await whoami(client)).sub).toBe('alice');
    expect(kit.as.log.filter((l) => l.startsWith('POST /reg')).length).toBe(2);
    expect(kit.auditText()).toContain('"upstream.reregister"');
  });

  it('survives the upstream restarting mid-session: reconnects with backoff, the broker stays up', async () => {
    kit = await startRemoteKit();
    await kit.signIn();
    const client = await kit.client();
    expect((await whoami(client)).sub).toBe('alice');
    await kit.server.restart();
    const during = await whoami(client).then(
      () => 'ok',
      (error: unknown) => String(error),
    );
    expect(during === 'ok' || during.includes('"remote"')).toBe(true);
    const k = kit;
    await expect.poll(() => remoteStatus(k)?.state, { timeout: 15_000 }).toBe('running');
    expect((await whoami(client)).sub).toBe('alice');
  });

  it('CL-4 uses a pre-registered client id without registering; CL-11 logout revokes', async () => {
    kit = await startRemoteKit({ preRegister: true });
    const registrations = kit.as.log.filter((l) => l.startsWith('POST /reg')).length;
    await kit.signIn();
    const client = await kit.client();
    expect((await whoami(client)).sub).toBe('alice');
    expect(kit.as.log.filter((l) => l.startsWith('POST /reg')).length).toBe(registrations);
    expect(kit.auditText()).not.toContain('"upstream.registered"');
    // CL-11: logout mcp-<server> revokes at the AS and deletes the tokens; calls ask for sign-in again.
    await kit.broker.control.providerLogout('mcp-remote');
    expect(kit.as.log.some((l) => l.startsWith('POST /token/revocation 200'))).toBe(true);
    await expect(whoami(client)).rejects.toThrow(/requires sign-in/);
  });

  it('CL-6 refuses a callback whose state was tampered with, and audits the failure', async () => {
    kit = await startRemoteKit();
    const tamper = (url: URL) => {
      if (url.pathname === '/callback') url.searchParams.set('state', 'forged-state');
      return url;
    };
    await expect(kit.signIn({ rewriteRedirect: tamper })).rejects.toThrow(/wrong state; it was refused/);
    expect(remoteStatus(kit)?.state).toBe('failed');
    expect(kit.auditText()).toMatch(/"upstream\.auth_failed".*"SIGNIN_FAILED"/);
  });
});
