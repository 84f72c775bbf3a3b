import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import { dpopKeyName } from './dpop-binding.js';

const SECRET = 'dpop-svc-secret-canary-41d2';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

async function whoami(client: Client): Promise<{ sub: string; scopes: string[] }> {
  return JSON.parse(textOf(await client.callTool({ name: 'remote__whoami' }))) as {
    sub: string;
    scopes: string[];
  };
}

const tokenLines = (kit: RemoteKit, grant: string) =>
  kit.as.log.filter((l) => l.startsWith(`POST /token ${grant}`));

describe('issue 13.3 DPoP toward an AS that advertises dpop_signing_alg_values_supported (RFC 9449)', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  it('13.3 sign-in binds the tokens to a per-server keychain key; token and resource requests send proofs and retry with the DPoP-Nonce', async () => {
    kit = await startRemoteKit({ as: { dpop: true, accessTokenTtlS: 3 }, server: { dpop: true } });
    expect(await kit.secrets.get(dpopKeyName('remote'))).toBeUndefined();
    const before = kit.server.log.length;
    const events = await kit.signIn();
    expect(events.at(-1)?.event).toBe('success');
    const key = JSON.parse((await kit.secrets.get(dpopKeyName('remote'))) ?? '{}') as {
      publicJwk?: { crv?: string };
    };
    expect(key.publicJwk?.crv).toBe('P-256');
    // The AS asked for its nonce (use_dpop_nonce, 400) and the same request was sent once more.
    expect(tokenLines(kit, 'authorization_code')).toEqual([
      `POST /token authorization_code resource=${kit.server.url} dpop 400`,
      `POST /token authorization_code resource=${kit.server.url} dpop 200`,
    ]);
    const client = await kit.client();
    expect((await whoami(client)).sub).toBe('alice');
    // The MCP server asked for its nonce too (401 use_dpop_nonce) when the signed-in server
    // reconnected; the proof was sent once more with it.
    const posts = kit.server.log.slice(before).filter((l) => l.startsWith('POST /mcp'));
    expect(posts.slice(0, 2)).toEqual(['POST /mcp 401', 'POST /mcp 200']);
    expect(posts.slice(2).every((l) => l.endsWith(' 200') || l.endsWith(' 202'))).toBe(true);
    // …and not a refused token: nothing was refreshed for it.
    expect(tokenLines(kit, 'refresh_token')).toEqual([]);
    // A refresh is DPoP-bound as well: the refreshed token still works with proofs.
    const running = kit;
    await expect
      .poll(() => tokenLines(running, 'refresh_token').filter((l) => l.endsWith('dpop 200')).length, {
        timeout: 10_000,
        interval: 50,
      })
      .toBeGreaterThanOrEqual(1);
    expect((await whoami(client)).sub).toBe('alice');
    expect(tokenLines(kit, 'refresh_token').every((l) => l.includes(' dpop '))).toBe(true);
  });

  it('13.3 13.2 a machine client’s client credentials tokens are DPoP-bound too', async () => {
    kit = await startRemoteKit({
      as: {
        dpop: true,
        clients: [
          {
            client_id: 'svc-account',
            client_secret: SECRET,
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
      },
      server: { dpop: true },
      entry: {
        oauth: {
          clientId: 'svc-account',
          clientSecret: { secret: 'SVC_SECRET' },
          grant: 'client_credentials',
        },
      },
      secrets: { SVC_SECRET: SECRET },
    });
    expect(tokenLines(kit, 'client_credentials').map((l) => l.split(' ').slice(-2).join(' '))).toEqual([
      'dpop 400',
      'dpop 200',
    ]);
    expect((await whoami(await kit.client())).sub).toBe('svc-account');
  });

  it('13.3 a plain bearer AS gets no proofs and no key is made', async () => {
    kit = await startRemoteKit();
    await kit.signIn();
    expect(tokenLines(kit, 'authorization_code').some((l) => l.includes(' dpop '))).toBe(false);
    expect(await kit.secrets.get(dpopKeyName('remote'))).toBeUndefined();
    expect((await whoami(await kit.client())).sub).toBe('alice');
  });
});
