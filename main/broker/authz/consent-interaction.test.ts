import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authorizeAndApprove,
  authorizeUrl,
  BrowserJar,
  MemorySecretStore,
  obtainTokens,
  pkcePair,
  registerClient,
  startTestAuthzServer,
  type TestAuthzServer,
} from '../../test-support/authz-test-kit.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

let srv: TestAuthzServer;
let issuer: string;
const REDIRECT = 'cursor://anysphere.cursor-mcp/oauth/callback';

beforeEach(async () => {
  srv = await startTestAuthzServer({ servers: ['alpha', 'beta'] });
  issuer = srv.issuer;
});
afterEach(async () => {
  await srv.close();
});

async function consentPage(clientId: string, scope: string, jar = new BrowserJar(issuer)) {
  const { challenge } = pkcePair();
  const page = await jar.walk(
    authorizeUrl(issuer, {
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'cd',
      scope,
    }),
  );
  if (page.kind !== 'page') throw new Error(`expected the consent page, got ${page.location.href}`);
  return { page, jar };
}

async function cursorClient(): Promise<string> {
  const reg = await registerClient(issuer, { client_name: 'Cursor <b>IDE</b>', redirect_uris: [REDIRECT] });
  return String(reg.body['client_id']);
}

describe('consent page', () => {
  it('CD-1 shows client name, redirect host, the servers asked and the request code, with anti-framing headers and a CSRF token', async () => {
    const clientId = await cursorClient();
    const { page } = await consentPage(clientId, 'mcp:servers:beta');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Cursor &lt;b&gt;IDE&lt;/b&gt;');
    expect(page.html).not.toContain('<b>IDE</b>');
    expect(page.html).toContain('cursor://anysphere.cursor-mcp');
    expect(page.html).toMatch(/data-scope="mcp:servers:beta" data-requested/);
    expect(page.html).toMatch(/data-scope="mcp:servers:alpha">/);
    expect(page.html).toMatch(/id="request-code"[^>]*>[A-Z2-9]{4}-[A-Z2-9]{4}</);
    expect(page.html).toContain('mcp-auth-broker clients approve');
    expect(page.html).not.toContain('value="approve"');
    expect(page.html).toMatch(/<meta http-equiv="refresh" content="2">/);
    expect(page.html).toMatch(/name="csrf" value="[\w-]{40,}"/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('CD-1 offers every server, checked, when the client names no server scope', async () => {
    const clientId = await cursorClient();
    const { page } = await consentPage(clientId, '');
    expect(page.html).toMatch(/data-scope="mcp:servers:alpha" data-requested/);
    expect(page.html).toMatch(/data-scope="mcp:servers:beta" data-requested/);
  });

  it('CD-1 refuses a form without the right CSRF token', async () => {
    const clientId = await cursorClient();
    const { page, jar } = await consentPage(clientId, 'mcp:servers:alpha');
    const action = /action="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const forged = await jar.walk(new URL(action, issuer).href, {
      method: 'POST',
      body: new URLSearchParams({ csrf: 'forged', decision: 'deny' }),
    });
    expect(forged.kind === 'page' && forged.status).toBe(403);
    expect(srv.events.some((e) => e.type.startsWith('consent.'))).toBe(false);
  });

  it('CD-1 Cancel on the page → access_denied redirect with iss and state', async () => {
    const clientId = await cursorClient();
    const { page, jar } = await consentPage(clientId, 'mcp:servers:alpha');
    const end = await jar.answer(page, 'deny');
    expect(end.kind).toBe('redirect');
    if (end.kind !== 'redirect') return;
    expect(end.location.protocol).toBe('cursor:');
    expect(end.location.searchParams.get('error')).toBe('access_denied');
    expect(end.location.searchParams.get('iss')).toBe(issuer);
    expect(end.location.searchParams.get('state')).toBe('cd');
    expect(end.location.searchParams.get('code')).toBeNull();
    expect(srv.events.some((e) => e.type === 'consent.denied' && e.client === clientId)).toBe(true);
  });

  it('CD-1 grants only the servers the person approved', async () => {
    const t = await obtainTokens(issuer, {
      scope: 'mcp:servers:alpha mcp:servers:beta',
      approve: ['mcp:servers:beta'],
    });
    const claims = await srv.as.verifier.verify(t.accessToken);
    expect(claims.scopes).toEqual(['mcp:servers:beta']);
    expect(claims.subject).toBe('local-user');
  });

  it('remembers consent for the same client, redirect URI and servers, and asks again for more', async () => {
    const clientId = await cursorClient();
    await authorizeAndApprove(issuer, { clientId, redirectUri: REDIRECT, scope: 'mcp:servers:alpha' });
    const again = await new BrowserJar(issuer).walk(
      authorizeUrl(issuer, {
        client_id: clientId,
        redirect_uri: REDIRECT,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
        scope: 'mcp:servers:alpha',
      }),
    );
    expect(again.kind === 'redirect' && again.location.searchParams.has('code')).toBe(true);
    const more = await consentPage(clientId, 'mcp:servers:alpha mcp:servers:beta');
    expect(more.page.html).toContain('id="request-code"');
  });
});

describe('clients and revocation', () => {
  it('clients revoke cuts a client off at once: verify() fails with reason revoked', async () => {
    const t = await obtainTokens(issuer);
    const listed = srv.as.clients.list();
    expect(listed).toEqual([
      expect.objectContaining({
        clientId: t.clientId,
        clientName: 'Kit client',
        kind: 'registered',
        scopes: ['mcp:servers:alpha'],
        grants: 1,
        refreshTokens: 1,
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(t.refreshToken);
    expect(srv.as.clients.revoke(t.clientId)).toEqual({ revoked: true, grants: 1 });
    await expect(srv.as.verifier.verify(t.accessToken)).rejects.toMatchObject({ reason: 'revoked' });
    expect(srv.as.clients.list()[0]).toMatchObject({ grants: 0, scopes: [] });
    expect(srv.as.clients.revoke('nobody')).toEqual({ revoked: false, grants: 0 });
  });

  it('keeps clients, grants and refresh tokens across a restart, in a file without readable tokens', async () => {
    const store = new MemorySecretStore();
    const home = makeTempDir('mab-authz-restart-');
    try {
      const first = await startTestAuthzServer({ store, dataDir: home.path });
      const t = await obtainTokens(first.issuer);
      await first.close();
      const dir = join(home.path, 'authz');
      const raw = readdirSync(dir)
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join('');
      expect(raw).not.toContain(t.refreshToken);
      expect(raw).not.toContain(t.clientId);
      expect([...store.values.keys()]).toEqual(['authz:keys']);
      const second = await startTestAuthzServer({ store, dataDir: home.path });
      try {
        // Another port means another issuer; what must survive is the client, grant and key material.
        expect(second.as.clients.list().map((c) => c.clientId)).toEqual([t.clientId]);
      } finally {
        await second.close();
      }
    } finally {
      home.remove();
    }
  });
});
