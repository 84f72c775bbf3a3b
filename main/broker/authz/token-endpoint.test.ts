import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authorizeAndApprove,
  obtainTokens,
  registerClient,
  startTestAuthzServer,
  type TestAuthzServer,
  tokenRequest,
} from '../../test-support/authz-test-kit.js';

let srv: TestAuthzServer;
let issuer: string;
const REDIRECT = 'http://127.0.0.1:7777/callback';

beforeEach(async () => {
  srv = await startTestAuthzServer({ servers: ['alpha', 'beta'] });
  issuer = srv.issuer;
});
afterEach(async () => {
  await srv.close();
});

async function registered(redirectUris: string[] = [REDIRECT]): Promise<string> {
  const reg = await registerClient(issuer, { client_name: 'Test client', redirect_uris: redirectUris });
  expect(reg.status).toBe(201);
  return String(reg.body['client_id']);
}

describe('token endpoint', () => {
  it('TOK-1 answers with JSON and Cache-Control: no-store', async () => {
    const clientId = await registered();
    const flow = await authorizeAndApprove(issuer, {
      clientId,
      redirectUri: REDIRECT,
      scope: 'mcp:servers:alpha',
    });
    const res = await tokenRequest(issuer, {
      grant_type: 'authorization_code',
      code: flow.code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: flow.verifier,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body['token_type']).toBe('Bearer');
    expect(Number(res.body['expires_in'])).toBeLessThanOrEqual(600);
    const error = await tokenRequest(issuer, {
      grant_type: 'authorization_code',
      code: 'nope',
      client_id: clientId,
    });
    expect(error.headers.get('cache-control')).toBe('no-store');
  });

  it('TOK-2 rotates refresh tokens; reusing an old one fails and revokes the whole family', async () => {
    const t = await obtainTokens(issuer);
    const refresh = (token: string) =>
      tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: token, client_id: t.clientId });
    const second = await refresh(t.refreshToken);
    expect(second.status).toBe(200);
    const rotated = String(second.body['refresh_token']);
    expect(rotated).not.toBe(t.refreshToken);
    const newAccess = String(second.body['access_token']);
    await expect(srv.as.verifier.verify(newAccess)).resolves.toMatchObject({ scopes: ['mcp:servers:alpha'] });
    const reuse = await refresh(t.refreshToken);
    expect(reuse.status).toBe(400);
    expect(reuse.body['error']).toBe('invalid_grant');
    expect((await refresh(rotated)).body['error']).toBe('invalid_grant');
    await expect(srv.as.verifier.verify(newAccess)).rejects.toMatchObject({ reason: 'revoked' });
    const types = srv.events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed', 'token.revoked', 'token.denied']),
    );
  });

  it('SEC-7 OAuth records carry the client id in their own field', async () => {
    const t = await obtainTokens(issuer);
    await tokenRequest(issuer, {
      grant_type: 'refresh_token',
      refresh_token: t.refreshToken,
      client_id: t.clientId,
    });
    const mine = srv.events.filter((e) => e.client === t.clientId);
    const types = new Set(mine.map((e) => e.type));
    for (const type of ['client.registered', 'consent.granted', 'token.issued', 'token.refreshed'] as const) {
      expect(types, type).toContain(type);
    }
    for (const event of mine) expect(event.clientId, event.type).toBe(t.clientId);
  });

  it('revocation endpoint revokes a refresh token and its grant', async () => {
    const t = await obtainTokens(issuer);
    const res = await fetch(`${issuer}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.refreshToken, client_id: t.clientId }),
    });
    expect(res.status).toBe(200);
    await expect(srv.as.verifier.verify(t.accessToken)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('revocation endpoint revokes an access token (and its grant) only for the client it was issued to', async () => {
    const t = await obtainTokens(issuer);
    const other = await obtainTokens(issuer);
    const revoke = (token: string, clientId: string) =>
      fetch(`${issuer}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: clientId, token_type_hint: 'access_token' }),
      });
    expect((await revoke(t.accessToken, other.clientId)).status).toBe(200);
    await expect(srv.as.verifier.verify(t.accessToken)).resolves.toMatchObject({ clientId: t.clientId });
    expect((await revoke('not.a.token', t.clientId)).status).toBe(200);
    expect((await revoke(t.accessToken, t.clientId)).status).toBe(200);
    await expect(srv.as.verifier.verify(t.accessToken)).rejects.toMatchObject({ reason: 'revoked' });
    const refresh = await tokenRequest(issuer, {
      grant_type: 'refresh_token',
      refresh_token: t.refreshToken,
      client_id: t.clientId,
    });
    expect(refresh.body['error']).toBe('invalid_grant');
    await expect(srv.as.verifier.verify(other.accessToken)).resolves.toMatchObject({
      clientId: other.clientId,
    });
  });

  it('never writes token values to the audit log', async () => {
    const t = await obtainTokens(issuer);
    const text = JSON.stringify(srv.events);
    expect(text).not.toContain(t.accessToken);
    expect(text).not.toContain(t.refreshToken);
  });
});
