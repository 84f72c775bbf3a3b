import { PassThrough } from 'node:stream';

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import { statusCommand } from '../cli/status-command.js';
import { parseAccountId, tokenSecretName } from '../providers/provider-config.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

async function whoami(client: Client): Promise<{ sub: string; scopes: string[] }> {
  return JSON.parse(textOf(await client.callTool({ name: 'remote__whoami' }))) as {
    sub: string;
    scopes: string[];
  };
}

interface StatusLine {
  name: string;
  state: string;
  lastError?: string;
}

const remoteStatus = (kit: RemoteKit) =>
  (kit.broker.status() as { servers: StatusLine[] }).servers.find((s) => s.name === 'remote');

/** `mcp-auth-broker status` in-process, over the running broker's control socket. */
async function cliStatus(kit: RemoteKit): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, cliScript: '' };
  const code = await statusCommand(['--config', kit.configPath, '--data-dir', kit.dataDir], io);
  expect(code).toBe(0);
  return Buffer.concat(chunks).toString('utf8');
}

/** Revokes the broker's refresh token of `account` at the AS, as a person would on the service's site. */
async function revokeRefreshTokenAtAs(kit: RemoteKit, account = 'mcp-remote', clientId?: string) {
  const tokens = JSON.parse((await kit.secrets.get(tokenSecretName(parseAccountId(account)))) ?? '{}') as {
    refreshToken?: string;
  };
  const registered = (await kit.secrets.get('mcp-client:remote')) ?? '{}';
  const client = { clientId, ...(JSON.parse(registered) as { clientId?: string }) };
  const response = await fetch(`${kit.as.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.refreshToken ?? '', client_id: client.clientId ?? '' }),
  });
  expect(response.status).toBe(200);
}

describe('remote servers: provider auth, OAuth over WebSocket, honest status (issue 5)', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  it('{"provider": "corp"} sends the signed-in provider account’s token as the bearer; a refused refresh shows "login corp"', async () => {
    let clientId = '';
    kit = await startRemoteKit({
      entry: { auth: { provider: 'corp' } },
      config: async ({ as, server, register }) => {
        clientId = await register();
        return {
          providers: {
            corp: {
              issuer: as.issuer,
              clientId,
              scopes: ['mcp:read', 'offline_access'],
              resource: server.url,
            },
          },
        };
      },
    });
    // Not signed in yet: the server waits for the provider account and says how to fix it.
    expect(remoteStatus(kit)?.state).toBe('failed');
    expect(remoteStatus(kit)?.lastError).toContain('mcp-auth-broker login corp');
    const events = await kit.signIn({ login: 'carol' }, 'corp');
    expect(events.at(-1)?.event).toBe('success');
    const k = kit;
    await expect.poll(() => remoteStatus(k)?.state, { timeout: 15_000 }).toBe('running');
    const client = await kit.client();
    expect((await whoami(client)).sub).toBe('carol');
    // The provider's token reached the server (RFC 8707 resource = the server), not a DCR client of the broker.
    expect(kit.as.log.filter((l) => l.startsWith('POST /reg')).length).toBe(1);
    expect(kit.auditText()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);

    await revokeRefreshTokenAtAs(kit, 'corp', clientId);
    await expect(kit.broker.providers.refresher.refresh('corp', true)).rejects.toThrow(/login corp/);
    const k2 = kit;
    await expect.poll(() => remoteStatus(k2)?.state, { timeout: 10_000 }).toBe('failed');
    expect(remoteStatus(kit)?.lastError).toContain(
      '"corp" needs sign-in again. Run: mcp-auth-broker login corp',
    );
  });

  it('CL-1 CL-5 signs in to a WebSocket upstream with OAuth: the 401 upgrade challenge drives discovery, the token rides on the upgrade', async () => {
    kit = await startRemoteKit({ server: { kind: 'websocket' } });
    const before = remoteStatus(kit);
    expect(before?.state).toBe('failed');
    expect(before?.lastError).toMatch(/refused the WebSocket connection \(HTTP 401\).*login --server remote/);
    await kit.signIn();
    expect(remoteStatus(kit)?.state).toBe('running');
    const client = await kit.client();
    // The server accepts the upgrade only with a valid token of its AS for its ws:// resource.
    const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'oauth over ws' } });
    expect(textOf(result)).toBe('oauth over ws');
    // Discovery used the challenge's resource_metadata over http; the token was minted for the ws:// resource.
    expect(kit.server.log).toContain('GET /.well-known/oauth-protected-resource/ws 200');
    expect(kit.as.log).toContainEqual(
      expect.stringMatching(new RegExp(`^POST /token authorization_code resource=${kit.server.url} 200`)),
    );
  });

  it('status shows a connected server whose refresh token was refused as needing sign-in, with the command', async () => {
    kit = await startRemoteKit();
    await kit.signIn();
    const client = await kit.client();
    expect((await whoami(client)).sub).toBe('alice');
    expect(remoteStatus(kit)?.state).toBe('running');
    // The person revokes the grant at the real AS (RFC 7009); the next refresh meets invalid_grant.
    await revokeRefreshTokenAtAs(kit);
    await expect(kit.broker.providers.refresher.refresh('mcp-remote', true)).rejects.toThrow(/sign-in/);

    const k = kit;
    await expect.poll(() => remoteStatus(k)?.state, { timeout: 10_000 }).toBe('failed');
    expect(remoteStatus(kit)?.lastError).toContain('needs sign-in again');
    expect(remoteStatus(kit)?.lastError).toContain('mcp-auth-broker login --server remote');
    const printed = await cliStatus(kit);
    expect(printed).toMatch(/remote: failed/);
    expect(printed).toContain('login --server remote');
    expect(printed).not.toMatch(/remote: running/);
    await expect(whoami(client)).rejects.toThrow(/login --server remote/);

    await kit.signIn();
    expect(remoteStatus(kit)?.state).toBe('running');
    expect((await whoami(client)).sub).toBe('alice');
  });

  it('status stops saying "running" when a call finds the server’s tokens refused (invalid_client on refresh)', async () => {
    kit = await startRemoteKit({ as: { accessTokenTtlS: 1 } });
    await kit.signIn();
    const client = await kit.client();
    expect(remoteStatus(kit)?.state).toBe('running');
    await kit.as.forgetClients();
    await new Promise((r) => setTimeout(r, 1_100)); // the 1 s token expires; its refresh meets invalid_client
    await expect(whoami(client)).rejects.toThrow(/invalid_client.*login --server remote/);
    expect(remoteStatus(kit)?.state).toBe('failed');
    expect(await cliStatus(kit)).toMatch(/last error: .*invalid_client.*login --server remote/);
  });
});
