import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authorizeAndApprove,
  authorizeUrl,
  BrowserJar,
  pkcePair,
  startTestAuthzServer,
  type TestAuthzServer,
  tokenRequest,
} from '../../test-support/authz-test-kit.js';
import {
  addressRefusal,
  DEFAULT_CLIENT_DOCUMENT_LIMITS,
  fetchClientMetadataDocument,
} from './client-id-metadata-document.js';

const REDIRECT = 'http://127.0.0.1:7777/callback';
let docs: Server;
let docBase: string;
let documents: Map<string, { body: string; delayMs?: number; trickleMs?: number }>;

beforeEach(async () => {
  documents = new Map();
  docs = createServer((req, res) => {
    const doc = documents.get(req.url ?? '');
    if (!doc) return void res.writeHead(404).end();
    if (doc.trickleMs !== undefined) {
      trickle(res, doc.body, doc.trickleMs);
      return;
    }
    setTimeout(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(doc.body),
      doc.delayMs ?? 0,
    );
  });
  await new Promise<void>((r) => docs.listen(0, '127.0.0.1', r));
  docBase = `http://127.0.0.1:${String((docs.address() as AddressInfo).port)}`;
});
afterEach(async () => {
  docs.closeAllConnections();
  await new Promise((r) => docs.close(r));
});

/** Sends the headers at once, then the body one byte at a time spread over `totalMs`. */
function trickle(res: ServerResponse, body: string, totalMs: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const bytes = Buffer.from(body);
  let i = 0;
  const timer = setInterval(() => {
    if (res.destroyed) {
      clearInterval(timer);
      return;
    }
    res.write(bytes.subarray(i, i + 1));
    i += 1;
    if (i >= bytes.length) {
      clearInterval(timer);
      res.end();
    }
  }, totalMs / bytes.length);
}

function publish(path: string, doc: Record<string, unknown> | string, delayMs?: number): string {
  documents.set(path, {
    body: typeof doc === 'string' ? doc : JSON.stringify(doc),
    ...(delayMs === undefined ? {} : { delayMs }),
  });
  return `${docBase}${path}`;
}

const testFlag = { allowLoopbackHttp: true, timeoutMs: 2000, maxBytes: 5 * 1024 };
const production = { ...testFlag, allowLoopbackHttp: false };

describe('Client ID Metadata Documents through the authorization server', () => {
  let srv: TestAuthzServer;
  beforeEach(async () => {
    srv = await startTestAuthzServer({ allowLoopbackClientDocuments: true });
  });
  afterEach(async () => {
    await srv.close();
  });

  it('CIMD-1 a URL client_id is fetched, shown on the consent page and can get tokens', async () => {
    const clientId = `${docBase}/clients/cli.json`;
    publish('/clients/cli.json', {
      client_id: clientId,
      client_name: 'Doc Client',
      redirect_uris: [REDIRECT],
    });
    const jar = new BrowserJar(srv.issuer);
    const flow = await authorizeAndApprove(srv.issuer, {
      clientId,
      redirectUri: REDIRECT,
      scope: 'mcp:servers:alpha',
      jar,
    });
    const token = await tokenRequest(srv.issuer, {
      grant_type: 'authorization_code',
      code: flow.code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: flow.verifier,
    });
    expect(token.status).toBe(200);
    await expect(srv.as.verifier.verify(String(token.body['access_token']))).resolves.toMatchObject({
      clientId,
    });
    expect(srv.as.clients.list()).toEqual([expect.objectContaining({ clientId, kind: 'metadata-document' })]);
  });

  it('CIMD-1 a document whose client_id differs, or that does not list the redirect_uri, gets an error page and no redirect', async () => {
    const mismatched = `${docBase}/clients/a.json`;
    publish('/clients/a.json', { client_id: `${docBase}/clients/other.json`, redirect_uris: [REDIRECT] });
    const unlisted = `${docBase}/clients/b.json`;
    publish('/clients/b.json', { client_id: unlisted, redirect_uris: ['http://127.0.0.1:7777/elsewhere'] });
    const jar = new BrowserJar(srv.issuer);
    for (const clientId of [mismatched, unlisted]) {
      const end = await jar.walk(
        authorizeUrl(srv.issuer, {
          client_id: clientId,
          redirect_uri: REDIRECT,
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
          state: 'x',
        }),
      );
      expect(end.kind, clientId).toBe('page');
      if (end.kind !== 'page') continue;
      expect(end.status).toBeGreaterThanOrEqual(400);
      expect(end.headers.get('x-frame-options')).toBe('DENY');
    }
    const first = await jar.walk(
      authorizeUrl(srv.issuer, {
        client_id: mismatched,
        redirect_uri: REDIRECT,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(first.kind === 'page' && first.html).toContain('does not equal its URL');
  });
});

describe('CIMD fetch guards', () => {
  it('CIMD-1 refuses http URLs and private or loopback addresses without the test flag', async () => {
    const url = publish('/c.json', { client_id: `${docBase}/c.json`, redirect_uris: [REDIRECT] });
    await expect(fetchClientMetadataDocument(url, production)).rejects.toThrow(/must use https/);
    for (const target of [
      'https://127.0.0.1/c.json',
      'https://10.1.2.3/c.json',
      'https://[::1]/c.json',
      'https://169.254.169.254/c.json',
    ]) {
      await expect(fetchClientMetadataDocument(target, production), target).rejects.toThrow(
        /refused to fetch/,
      );
    }
    await expect(fetchClientMetadataDocument('https://localhost/c.json', production)).rejects.toThrow(
      /loopback/,
    );
    expect(addressRefusal('::ffff:192.168.1.1', false)).toMatch(/private/);
    expect(addressRefusal('93.184.216.34', false)).toBeUndefined();
    expect(addressRefusal('10.0.0.1', true)).toMatch(/private/);
  });

  it('CIMD-1 enforces the size and time limits and needs client_id to equal the URL', async () => {
    const big = publish('/big.json', {
      client_id: `${docBase}/big.json`,
      redirect_uris: [REDIRECT],
      pad: 'x'.repeat(6000),
    });
    await expect(fetchClientMetadataDocument(big, testFlag)).rejects.toThrow(/larger than 5120 bytes/);
    const slow = publish(
      '/slow.json',
      { client_id: `${docBase}/slow.json`, redirect_uris: [REDIRECT] },
      1500,
    );
    await expect(fetchClientMetadataDocument(slow, { ...testFlag, timeoutMs: 200 })).rejects.toThrow(
      /in time/,
    );
    const wrong = publish('/w.json', {
      client_id: 'https://elsewhere.example/w.json',
      redirect_uris: [REDIRECT],
    });
    await expect(fetchClientMetadataDocument(wrong, testFlag)).rejects.toThrow(/does not equal its URL/);
    const secret = publish('/s.json', {
      client_id: `${docBase}/s.json`,
      redirect_uris: [REDIRECT],
      client_secret: 'x',
    });
    await expect(fetchClientMetadataDocument(secret, testFlag)).rejects.toThrow(/client_secret/);
    const evil = publish('/e.json', {
      client_id: `${docBase}/e.json`,
      redirect_uris: ['http://evil.example/cb'],
    });
    await expect(fetchClientMetadataDocument(evil, testFlag)).rejects.toThrow(/loopback host/);
    const ok = publish('/ok.json', {
      client_id: `${docBase}/ok.json`,
      redirect_uris: [REDIRECT],
      client_name: 'OK',
    });
    await expect(fetchClientMetadataDocument(ok, testFlag)).resolves.toMatchObject({
      client_id: ok,
      client_name: 'OK',
      token_endpoint_auth_method: 'none',
    });
  });

  it('SEC-8 a document trickled over 8 s is refused at the 5 s total deadline', async () => {
    const url = `${docBase}/trickle.json`;
    documents.set('/trickle.json', {
      body: JSON.stringify({ client_id: url, redirect_uris: [REDIRECT] }),
      trickleMs: 8000,
    });
    const started = Date.now();
    await expect(
      fetchClientMetadataDocument(url, { ...DEFAULT_CLIENT_DOCUMENT_LIMITS, allowLoopbackHttp: true }),
    ).rejects.toThrow(/in time/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4900);
    expect(elapsed).toBeLessThan(6500);
  }, 15_000);
});
