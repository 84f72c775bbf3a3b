import { randomUUID } from 'node:crypto';

import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authorizeAndApprove,
  authorizeUrl,
  BrowserJar,
  pkcePair,
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

async function metadata(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${issuer}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('authorization server metadata', () => {
  it('ASM-1 serves RFC 8414 metadata and OpenID discovery with the byte-exact issuer', async () => {
    const as = await metadata('/.well-known/oauth-authorization-server');
    const oidc = await metadata('/.well-known/openid-configuration');
    expect(as['issuer']).toBe(issuer);
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(oidc['issuer']).toBe(issuer);
    expect(as['authorization_endpoint']).toBe(`${issuer}/oauth/authorize`);
    expect(as['token_endpoint']).toBe(`${issuer}/oauth/token`);
    expect(as['registration_endpoint']).toBe(`${issuer}/oauth/register`);
    expect(as['revocation_endpoint']).toBe(`${issuer}/oauth/revoke`);
    expect(as['scopes_supported']).toEqual(expect.arrayContaining(['mcp:servers:alpha', 'mcp:servers:beta']));
  });

  it('ASM-2 advertises S256 only, the code response type and the code and refresh grants', async () => {
    const as = await metadata('/.well-known/oauth-authorization-server');
    expect(as['code_challenge_methods_supported']).toEqual(['S256']);
    expect(as['response_types_supported']).toEqual(['code']);
    expect(as['grant_types_supported']).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
    expect(as['token_endpoint_auth_methods_supported']).toEqual(['none']);
  });

  it('ASM-3 puts iss in success and error authorization responses and advertises it', async () => {
    const as = await metadata('/.well-known/oauth-authorization-server');
    expect(as['authorization_response_iss_parameter_supported']).toBe(true);
    const clientId = await registered();
    const ok = await authorizeAndApprove(issuer, {
      clientId,
      redirectUri: REDIRECT,
      scope: 'mcp:servers:alpha',
    });
    expect(ok.location.searchParams.get('iss')).toBe(issuer);
    const jar = new BrowserJar(issuer);
    const failed = await jar.walk(
      authorizeUrl(issuer, { client_id: clientId, redirect_uri: REDIRECT, state: 's' }),
    );
    expect(failed.kind).toBe('redirect');
    if (failed.kind !== 'redirect') return;
    expect(failed.location.searchParams.get('error')).toBe('invalid_request');
    expect(failed.location.searchParams.get('iss')).toBe(issuer);
  });

  it('ASM-4 advertises Client ID Metadata Document support', async () => {
    const as = await metadata('/.well-known/oauth-authorization-server');
    expect(as['client_id_metadata_document_supported']).toBe(true);
  });
});

describe('DPoP (RFC 9449) is not offered', () => {
  it('SEC-8 metadata advertises no DPoP, and a token request with a DPoP proof gets no DPoP-bound token', async () => {
    const as = await metadata('/.well-known/oauth-authorization-server');
    const oidc = await metadata('/.well-known/openid-configuration');
    for (const doc of [as, oidc]) expect(Object.keys(doc).filter((k) => k.startsWith('dpop'))).toEqual([]);
    const clientId = await registered();
    const flow = await authorizeAndApprove(issuer, {
      clientId,
      redirectUri: REDIRECT,
      scope: 'mcp:servers:alpha',
    });
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({ htm: 'POST', htu: `${issuer}/oauth/token`, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(privateKey);
    const res = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: flow.code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: flow.verifier,
        resource: `${issuer}/mcp`,
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body['token_type']).toBe('Bearer');
    expect(decodeJwt(String(body['access_token']))['cnf']).toBeUndefined();
  });
});

describe('dynamic client registration', () => {
  it('DCR-1 registers public native clients with loopback, https and private-use redirect URIs', async () => {
    const reg = await registerClient(issuer, {
      client_name: 'Cursor',
      redirect_uris: [
        'cursor://anysphere.cursor-mcp/oauth/callback',
        'http://127.0.0.1:33418/',
        'https://vscode.dev/redirect',
      ],
    });
    expect(reg.status).toBe(201);
    expect(typeof reg.body['client_id']).toBe('string');
    expect(reg.body['token_endpoint_auth_method']).toBe('none');
    expect(reg.body['client_secret']).toBeUndefined();
    expect(srv.events.some((e) => e.type === 'client.registered' && e.outcome === 'ok')).toBe(true);
  });

  it('DCR-1 refuses a non-loopback http redirect URI with invalid_redirect_uri', async () => {
    for (const uri of ['http://evil.example/cb', 'javascript:alert(1)', 'https://127.0.0.1/cb']) {
      const reg = await registerClient(issuer, { redirect_uris: [uri] });
      expect(reg.status, uri).toBe(400);
      expect(reg.body['error'], uri).toBe('invalid_redirect_uri');
    }
  });

  it('SEC-8 registration refuses ms-msdt:, view-source:, chrome: and mailto: redirect URIs', async () => {
    for (const uri of [
      'ms-msdt:/id PCWDiagnostic',
      'view-source:https://a.example/',
      'chrome://settings/',
      'mailto:a@b.example',
    ]) {
      const reg = await registerClient(issuer, { redirect_uris: [uri] });
      expect(reg.status, uri).toBe(400);
      expect(reg.body['error'], uri).toBe('invalid_redirect_uri');
    }
  });
});

describe('authorization code with PKCE', () => {
  it('PKCE-1 requires code_challenge: missing or plain → error redirect invalid_request', async () => {
    const clientId = await registered();
    const jar = new BrowserJar(issuer);
    const base = { client_id: clientId, redirect_uri: REDIRECT, state: 'p1', scope: 'mcp:servers:alpha' };
    const missing = await jar.walk(authorizeUrl(issuer, base));
    const { challenge } = pkcePair();
    const plain = await jar.walk(
      authorizeUrl(issuer, { ...base, code_challenge: challenge, code_challenge_method: 'plain' }),
    );
    for (const end of [missing, plain]) {
      expect(end.kind).toBe('redirect');
      if (end.kind !== 'redirect') continue;
      expect(end.location.origin + end.location.pathname).toBe(REDIRECT);
      expect(end.location.searchParams.get('error')).toBe('invalid_request');
      expect(end.location.searchParams.get('state')).toBe('p1');
    }
  });

  it('PKCE-2 refuses a wrong verifier; a replayed code fails and revokes the first tokens', async () => {
    const clientId = await registered();
    const flow = await authorizeAndApprove(issuer, {
      clientId,
      redirectUri: REDIRECT,
      scope: 'mcp:servers:alpha',
    });
    const exchange = (verifier: string) =>
      tokenRequest(issuer, {
        grant_type: 'authorization_code',
        code: flow.code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: verifier,
      });
    const wrong = await exchange(pkcePair().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body['error']).toBe('invalid_grant');
    const first = await exchange(flow.verifier);
    expect(first.status).toBe(200);
    const token = String(first.body['access_token']);
    await expect(srv.as.verifier.verify(token)).resolves.toMatchObject({ clientId });
    const replay = await exchange(flow.verifier);
    expect(replay.status).toBe(400);
    expect(replay.body['error']).toBe('invalid_grant');
    await expect(srv.as.verifier.verify(token)).rejects.toMatchObject({ reason: 'revoked' });
    const refresh = await tokenRequest(issuer, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body['refresh_token']),
      client_id: clientId,
    });
    expect(refresh.body['error']).toBe('invalid_grant');
  });

  it('RED-1 matches redirect URIs exactly (loopback port may differ); a mismatch shows an error page, never a redirect', async () => {
    const clientId = await registered([
      'http://127.0.0.1:7777/callback',
      'cursor://anysphere.cursor-mcp/oauth/callback',
    ]);
    const otherPort = await authorizeAndApprove(issuer, {
      clientId,
      redirectUri: 'http://127.0.0.1:45678/callback',
      scope: 'mcp:servers:alpha',
    });
    expect(otherPort.location.port).toBe('45678');
    const jar = new BrowserJar(issuer);
    const { challenge } = pkcePair();
    for (const uri of [
      'http://127.0.0.1:7777/callback/extra',
      'http://localhost:7777/callback',
      'cursor://anysphere.cursor-mcp/oauth/callback2',
      'https://evil.example/callback',
    ]) {
      const end = await jar.walk(
        authorizeUrl(issuer, {
          client_id: clientId,
          redirect_uri: uri,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(end.kind, uri).toBe('page');
      if (end.kind !== 'page') continue;
      expect(end.status).toBe(400);
      expect(end.html).toContain('invalid_redirect_uri');
      expect(end.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('STATE-1 returns state unchanged', async () => {
    const clientId = await registered();
    const state = 'a b+c/=%~ü';
    const flow = await authorizeAndApprove(issuer, {
      clientId,
      redirectUri: REDIRECT,
      state,
      scope: 'mcp:servers:alpha',
    });
    expect(flow.location.searchParams.get('state')).toBe(state);
  });

  it('RES-1 accepts resource on authorize and token, refuses other resources with invalid_target, puts it in aud', async () => {
    const clientId = await registered();
    const jar = new BrowserJar(issuer);
    const { challenge } = pkcePair();
    const foreign = await jar.walk(
      authorizeUrl(issuer, {
        client_id: clientId,
        redirect_uri: REDIRECT,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: 'https://api.example/mcp',
      }),
    );
    expect(foreign.kind === 'redirect' && foreign.location.searchParams.get('error')).toBe('invalid_target');
    const exchange = async (resource: string) => {
      const flow = await authorizeAndApprove(issuer, {
        clientId,
        redirectUri: REDIRECT,
        scope: 'mcp:servers:alpha',
      });
      return tokenRequest(issuer, {
        grant_type: 'authorization_code',
        code: flow.code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: flow.verifier,
        resource,
      });
    };
    const wrong = await exchange(`${issuer}/other`);
    expect(wrong.body['error']).toBe('invalid_target');
    const ok = await exchange(`${issuer}/mcp`);
    expect(ok.status).toBe(200);
    const claims = await srv.as.verifier.verify(String(ok.body['access_token']));
    expect(claims.audience).toEqual([`${issuer}/mcp`]);
    expect(claims.scopes).toEqual(['mcp:servers:alpha']);
  });
});
