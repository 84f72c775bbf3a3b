import { generateKeyPairSync } from 'node:crypto';

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { exportJWK, generateKeyPair } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteKit, type RemoteKitOptions, startRemoteKit } from '../../test-support/remote-test-kit.js';
import { RemoteServerSchema } from '../config/remote-server-config.js';

const SECRET = 'conf-secret-canary-7f3a9c1e5b2d4068';

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

/** Polls `check` every 20 ms until it holds (or fails after `ms`). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type AuthMethod = NonNullable<ClientMetadata['token_endpoint_auth_method']>;

/** A native confidential app with a loopback redirect, registered by an administrator. */
const webApp = (method: AuthMethod, extra: Partial<ClientMetadata> = {}): ClientMetadata => ({
  client_id: 'conf-app',
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: method,
  ...(method.startsWith('client_secret') ? { client_secret: SECRET } : {}),
  ...extra,
});

/** A service account: client credentials only. */
const serviceAccount = (method: AuthMethod, extra: Partial<ClientMetadata> = {}): ClientMetadata => ({
  client_id: 'svc-account',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: method,
  ...(method.startsWith('client_secret') ? { client_secret: SECRET } : {}),
  ...extra,
});

const tokenLines = (kit: RemoteKit, grant: string) =>
  kit.as.log.filter((l) => l.startsWith(`POST /token ${grant}`));

/** An ES256 key pair: the private JWK for the keychain, the public one for the AS. */
async function es256Keys() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'broker-key-1';
  return {
    privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid }),
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
  };
}

describe('issue 13.1 pre-registered confidential clients of a remote server (CL-4)', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  const confidential = (clients: ClientMetadata[], oauth: object, extra: RemoteKitOptions = {}) =>
    startRemoteKit({
      as: { clients, ...extra.as },
      entry: { oauth },
      secrets: { REMOTE_CLIENT_SECRET: SECRET, ...extra.secrets },
    });

  it('13.1 CL-4 signs in with the keychain secret by client_secret_basic; the secret is in no audit line or error', async () => {
    kit = await confidential([webApp('client_secret_basic')], {
      clientId: 'conf-app',
      clientSecret: { secret: 'REMOTE_CLIENT_SECRET' },
    });
    expect(remoteStatus(kit)?.lastError).not.toContain(SECRET);
    const events = await kit.signIn();
    expect(events.at(-1)?.event).toBe('success');
    expect(tokenLines(kit, 'authorization_code')).toEqual([
      `POST /token authorization_code resource=${kit.server.url} auth=basic 200`,
    ]);
    expect(kit.as.log.some((l) => l.startsWith('POST /reg'))).toBe(false);
    const me = await whoami(await kit.client());
    expect(me.sub).toBe('alice');
    expect(kit.auditText()).toContain('"upstream.signin"');
    expect(kit.auditText()).not.toContain(SECRET);
    expect(JSON.stringify(kit.broker.status())).not.toContain(SECRET);
  });

  it('13.1 uses client_secret_post when the AS lists only client_secret_post', async () => {
    kit = await confidential(
      [webApp('client_secret_post')],
      { clientId: 'conf-app', clientSecret: { secret: 'REMOTE_CLIENT_SECRET' } },
      { as: { clientAuthMethods: ['none', 'client_secret_post', 'private_key_jwt'] } },
    );
    await kit.signIn();
    expect(tokenLines(kit, 'authorization_code')).toEqual([
      `POST /token authorization_code resource=${kit.server.url} auth=post 200`,
    ]);
  });

  it('13.1 RFC 7523 signs in with private_key_jwt from a PEM key in the keychain', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    kit = await confidential(
      [webApp('private_key_jwt', { jwks: { keys: [jwk] } })],
      { clientId: 'conf-app', clientKey: { secret: 'REMOTE_CLIENT_KEY' } },
      { secrets: { REMOTE_CLIENT_KEY: pem } },
    );
    await kit.signIn();
    expect(tokenLines(kit, 'authorization_code')).toEqual([
      `POST /token authorization_code resource=${kit.server.url} auth=jwt 200`,
    ]);
    expect(kit.auditText()).not.toContain('PRIVATE KEY');
  });

  it('13.1 a secret missing from the keychain fails naming the command that stores it', async () => {
    kit = await startRemoteKit({
      as: { clients: [webApp('client_secret_basic')] },
      entry: { oauth: { clientId: 'conf-app', clientSecret: { secret: 'NOT_STORED' } } },
    });
    await expect(kit.signIn()).rejects.toThrow(/"NOT_STORED".*secret set NOT_STORED/);
  });

  it('13.1 13.2 the config takes a secret or a key by name only, and client credentials need one', () => {
    const parse = (oauth: unknown, extra: object = {}) =>
      RemoteServerSchema.safeParse({ url: 'https://mcp.example.com/mcp', oauth, ...extra }).success;
    expect(parse({ clientId: 'a', clientSecret: { secret: 'S' } })).toBe(true);
    expect(parse({ clientId: 'a', clientSecret: 'inline-secret' })).toBe(false);
    expect(parse({ clientId: 'a', clientSecret: { secret: 'S' }, clientKey: { secret: 'K' } })).toBe(false);
    expect(parse({ clientId: 'a', grant: 'client_credentials' })).toBe(false);
    expect(parse({ clientId: 'a', grant: 'client_credentials', clientKey: { secret: 'K' } })).toBe(true);
    expect(parse({ clientId: 'a' }, { clientId: 'b' })).toBe(false);
    expect(parse({ clientId: 'a' }, { auth: 'none' })).toBe(false);
  });
});

describe('issue 13.2 client credentials of a remote server: no browser, renewed by the one refresher', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  const machine = (client: ClientMetadata, oauth: object, options: RemoteKitOptions = {}) =>
    startRemoteKit({
      ...options,
      as: { clients: [client], ...options.as },
      entry: { oauth: { clientId: 'svc-account', grant: 'client_credentials', ...oauth } },
      secrets: { REMOTE_CLIENT_SECRET: SECRET, ...options.secrets },
    });

  it('13.2 CL-10 client_secret_basic: a token at connect, tools work, 16 concurrent calls share it', async () => {
    kit = await machine(serviceAccount('client_secret_basic'), {
      clientSecret: { secret: 'REMOTE_CLIENT_SECRET' },
    });
    expect(remoteStatus(kit)?.state).toBe('running');
    expect(tokenLines(kit, 'client_credentials')).toEqual([
      `POST /token client_credentials resource=${kit.server.url} auth=basic 200`,
    ]);
    const client = await kit.client();
    const all = await Promise.all(Array.from({ length: 16 }, () => whoami(client)));
    expect(all.every((me) => me.sub === 'svc-account')).toBe(true);
    expect(all[0]?.scopes).toEqual(['mcp:read']);
    expect(tokenLines(kit, 'client_credentials')).toHaveLength(1);
    expect(kit.as.log.some((l) => l.startsWith('GET /auth'))).toBe(false);
    expect(kit.auditText()).not.toContain(SECRET);
  });

  it('13.2 client_secret_post when the AS lists only post', async () => {
    kit = await machine(
      serviceAccount('client_secret_post'),
      { clientSecret: { secret: 'REMOTE_CLIENT_SECRET' } },
      { as: { clientAuthMethods: ['none', 'client_secret_post'] } },
    );
    expect(tokenLines(kit, 'client_credentials')).toEqual([
      `POST /token client_credentials resource=${kit.server.url} auth=post 200`,
    ]);
    expect((await whoami(await kit.client())).sub).toBe('svc-account');
  });

  it('13.2 RFC 7523 private_key_jwt with a private JWK; renewed before expiry, one request at a time', async () => {
    const keys = await es256Keys();
    kit = await machine(
      serviceAccount('private_key_jwt', { jwks: keys.jwks }),
      { clientKey: { secret: 'REMOTE_CLIENT_KEY' } },
      { secrets: { REMOTE_CLIENT_KEY: keys.privateJwk }, as: { accessTokenTtlS: 3 } },
    );
    const running = kit;
    const lines = () => tokenLines(running, 'client_credentials');
    expect(lines()).toEqual([`POST /token client_credentials resource=${kit.server.url} auth=jwt 200`]);
    const client = await kit.client();
    // The refresher asks again ahead of expiry (a third of 3 s), without a call waiting for it.
    await until(() => lines().length >= 2);
    const all = await Promise.all(Array.from({ length: 16 }, () => whoami(client)));
    expect(all.every((me) => me.sub === 'svc-account')).toBe(true);
    expect(lines().length).toBeLessThanOrEqual(3);
    expect(lines().every((l) => l.endsWith('auth=jwt 200'))).toBe(true);
    expect(kit.auditText()).toContain('"upstream.token_refresh"');
  });

  it('13.1 13.2 a wrong client secret: a clear error naming what to check, the secret nowhere', async () => {
    kit = await machine(
      serviceAccount('client_secret_basic'),
      { clientSecret: { secret: 'REMOTE_CLIENT_SECRET' } },
      { secrets: { REMOTE_CLIENT_SECRET: `${SECRET}-wrong` } },
    );
    const status = remoteStatus(kit);
    expect(status?.state).not.toBe('running');
    expect(status?.lastError).toMatch(
      /refused its pre-registered client \(invalid_client\)\. Check "oauth\.clientId"/,
    );
    expect(JSON.stringify(kit.broker.status())).not.toContain(SECRET);
    expect(kit.auditText()).not.toContain(SECRET);
  });

  it('13.2 login --server for a client-credentials entry just fetches a token and says so', async () => {
    kit = await machine(serviceAccount('client_secret_basic'), {
      clientSecret: { secret: 'REMOTE_CLIENT_SECRET' },
    });
    const events = await kit.signIn();
    expect(events.map((e) => e.event)).toEqual(['success']);
    expect(events[0]).toMatchObject({ grant: 'client_credentials', scopes: ['mcp:read'] });
    expect(tokenLines(kit, 'client_credentials')).toHaveLength(2);
  });
});
