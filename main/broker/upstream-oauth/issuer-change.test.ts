import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteAuthServer, startRemoteAuthServer } from '../../test-support/remote-oauth-server.js';
import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import { clientSecretName } from './client-registration.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

async function whoami(client: Client): Promise<{ sub: string }> {
  return JSON.parse(textOf(await client.callTool({ name: 'remote__whoami' }))) as { sub: string };
}

const remoteStatus = (kit: RemoteKit) =>
  (kit.broker.status() as { servers: { name: string; state: string; lastError?: string }[] }).servers.find(
    (s) => s.name === 'remote',
  );

describe('issue 13.5 issuer-bound registrations and tokens (SEP-2352)', () => {
  let kit: RemoteKit | undefined;
  let next: RemoteAuthServer | undefined;
  afterEach(async () => {
    await kit?.stop();
    await next?.close();
    kit = undefined;
    next = undefined;
  });

  it('13.5 CL-4 CL-10 a new authorization server: registered again, old tokens never sent to it, a clear sign-in message, then sign-in works', async () => {
    kit = await startRemoteKit();
    await kit.signIn();
    const client = await kit.client();
    expect((await whoami(client)).sub).toBe('alice');
    const first = kit.as.issuer;

    next = await startRemoteAuthServer();
    next.setResource(kit.server.url);
    kit.server.switchAuthorizationServer(next.issuer);
    const changed = new RegExp(
      `authorization server of remote server "remote" changed from ${first} to ${next.issuer}; sign in again: mcp-auth-broker login --server remote`,
    );
    await expect(client.callTool({ name: 'remote__whoami' })).rejects.toThrow(changed);
    // Registered at the new AS; the old registration is not reused there, the old refresh token never sent.
    expect(next.log.filter((l) => l.startsWith('POST /reg '))).toHaveLength(1);
    expect(next.log.some((l) => l.startsWith('POST /token'))).toBe(false);
    const stored = JSON.parse((await kit.secrets.get(clientSecretName('remote'))) ?? '{}') as {
      issuer?: string;
    };
    expect(stored.issuer).toBe(next.issuer);
    const running = kit;
    await expect.poll(() => remoteStatus(running)?.lastError ?? '').toMatch(changed);

    const events = await kit.signIn();
    expect(events.at(-1)?.event).toBe('success');
    expect(next.log.filter((l) => l.startsWith('POST /reg '))).toHaveLength(1);
    expect(next.log.some((l) => l.startsWith('POST /token authorization_code'))).toBe(true);
    const again = await kit.client();
    expect((await whoami(again)).sub).toBe('alice');
  });
});
