import { afterEach, describe, expect, it } from 'vitest';

import { asMetadata, type MetadataServer, startMetadataServer } from '../../test-support/metadata-server.js';
import { discoverRemoteAuthorization } from './authorization-discovery.js';

const plainFetch = (url: string | URL, init?: RequestInit) => fetch(url, init);

describe('MCP authorization discovery (CL-1 … CL-3, CL-8)', () => {
  let meta: MetadataServer | undefined;
  afterEach(async () => {
    await meta?.close();
    meta = undefined;
  });

  const prm =
    (extra: Record<string, unknown> = {}) =>
    (origin: string) => ({
      body: {
        resource: `${origin}/mcp`,
        authorization_servers: [origin],
        scopes_supported: ['files:read'],
        ...extra,
      },
    });

  it('CL-1 takes resource_metadata from the 401 challenge first', async () => {
    meta = await startMetadataServer({
      '/custom/prm': prm(),
      '/.well-known/oauth-authorization-server': (o) => ({ body: asMetadata(o) }),
    });
    const challenge = { resourceMetadataUrl: new URL(`${meta.origin}/custom/prm`), scope: 'files:write' };
    const found = await discoverRemoteAuthorization(`${meta.origin}/mcp`, challenge, plainFetch);
    expect(meta.log[0]).toBe('GET /custom/prm');
    expect(meta.log.some((l) => l.includes('oauth-protected-resource'))).toBe(false);
    expect(found.scopes).toEqual(['files:write']);
  });

  it('CL-1 probes the path-suffixed metadata URL, then the root (metadata only at root)', async () => {
    meta = await startMetadataServer({
      '/.well-known/oauth-protected-resource': prm(),
      '/.well-known/oauth-authorization-server': (o) => ({ body: asMetadata(o) }),
    });
    const found = await discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, plainFetch);
    expect(meta.log.slice(0, 2)).toEqual([
      'GET /.well-known/oauth-protected-resource/mcp',
      'GET /.well-known/oauth-protected-resource',
    ]);
    expect(found.resource).toBe(`${meta.origin}/mcp`);
    expect(found.scopes).toEqual(['files:read']);
  });

  it('CL-2 tries an issuer with a path in the spec order', async () => {
    meta = await startMetadataServer({
      '/.well-known/oauth-protected-resource/mcp': (o) => prm({ authorization_servers: [`${o}/tenant`] })(o),
      '/tenant/.well-known/openid-configuration': (o) => ({ body: asMetadata(`${o}/tenant`) }),
    });
    const found = await discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, plainFetch);
    expect(meta.log.slice(1)).toEqual([
      'GET /.well-known/oauth-authorization-server/tenant',
      'GET /.well-known/openid-configuration/tenant',
      'GET /tenant/.well-known/openid-configuration',
    ]);
    expect(found.authorizationServer).toBe(`${meta.origin}/tenant`);
  });

  it('CL-2 tries a pathless issuer at oauth-authorization-server, then openid-configuration', async () => {
    meta = await startMetadataServer({
      '/.well-known/oauth-protected-resource/mcp': prm(),
      '/.well-known/openid-configuration': (o) => ({ body: asMetadata(o) }),
    });
    await discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, plainFetch);
    expect(meta.log.slice(1)).toEqual([
      'GET /.well-known/oauth-authorization-server',
      'GET /.well-known/openid-configuration',
    ]);
  });

  it('CL-3 refuses an issuer mismatch', async () => {
    meta = await startMetadataServer({
      '/.well-known/oauth-protected-resource/mcp': prm(),
      '/.well-known/oauth-authorization-server': () => ({ body: asMetadata('https://evil.example') }),
    });
    const refused = discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, plainFetch);
    await expect(refused).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
    await expect(refused).rejects.toThrow(/names the issuer https:\/\/evil\.example.*refused/);
  });

  it('CL-3 refuses an authorization server without S256 (list missing or without it)', async () => {
    meta = await startMetadataServer({
      '/.well-known/oauth-protected-resource/mcp': prm(),
      '/.well-known/oauth-authorization-server': (o) => ({
        body: asMetadata(o, { code_challenge_methods_supported: undefined }),
      }),
    });
    await expect(discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, plainFetch)).rejects.toThrow(/S256/);
    meta.routes.set('/.well-known/oauth-authorization-server', (o) => ({
      body: asMetadata(o, { code_challenge_methods_supported: ['plain'] }),
    }));
    await expect(discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, plainFetch)).rejects.toThrow(/S256/);
  });

  it('CL-8 refuses http to a non-loopback MCP server or authorization server', async () => {
    const calls: string[] = [];
    const recording = (url: string | URL, init?: RequestInit) => (calls.push(String(url)), fetch(url, init));
    const insecure = discoverRemoteAuthorization('http://example.com/mcp', {}, recording);
    await expect(insecure).rejects.toMatchObject({ code: 'UPSTREAM_INSECURE_URL' });
    await expect(insecure).rejects.toThrow('http://example.com is not https');
    expect(calls).toEqual([]);
    meta = await startMetadataServer({
      '/.well-known/oauth-protected-resource/mcp': prm({ authorization_servers: ['http://as.example.com'] }),
    });
    await expect(discoverRemoteAuthorization(`${meta.origin}/mcp`, {}, recording)).rejects.toMatchObject({
      code: 'UPSTREAM_INSECURE_URL',
    });
  });
});
