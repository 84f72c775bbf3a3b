import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import type { BrokerApiCore } from '../window/broker-api-core.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

function apiOf(kit: RemoteKit): BrokerApiCore {
  const api = kit.broker.ui?.api;
  if (!api) throw new Error('the window API is not running');
  return api;
}

async function remoteInfo(api: BrokerApiCore) {
  return (await api.getStatus({})).servers.find((s) => s.name === 'remote');
}

describe('the window API manages remote servers (issue 5 + 6)', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  it('disables, enables and restarts a remote server; the entry stays under "servers" with its url', async () => {
    kit = await startRemoteKit({ withoutAuth: true, entry: { auth: 'none' } });
    const api = apiOf(kit);
    const info = await remoteInfo(api);
    expect(info?.state).toBe('running');
    expect(info?.command).toBe(`${kit.server.url} (streamable-http)`);

    await api.setServerEnabled({ name: 'remote', enabled: false });
    expect((await remoteInfo(api))?.state).toBe('disabled');
    const file = JSON.parse(readFileSync(kit.configPath, 'utf8')) as Record<string, unknown>;
    expect(file['servers']).toEqual({
      remote: { url: kit.server.url, transport: 'streamable-http', auth: 'none', enabled: false },
    });
    expect(file).not.toHaveProperty('remoteServers');
    const client = await kit.client();
    await expect(client.callTool({ name: 'remote__echo', arguments: { text: 'x' } })).rejects.toThrow();

    await api.setServerEnabled({ name: 'remote', enabled: true });
    expect((await remoteInfo(api))?.state).toBe('running');
    const enabled = JSON.parse(readFileSync(kit.configPath, 'utf8')) as { servers: Record<string, object> };
    expect(enabled.servers['remote']).not.toHaveProperty('enabled');
    const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'back' } });
    expect(textOf(result)).toBe('back');

    const restartsBefore = (await remoteInfo(api))?.restarts ?? 0;
    const posts = (k: RemoteKit) => k.server.log.filter((l) => l.startsWith('POST /mcp')).length;
    const postsBefore = posts(kit);
    await api.restartServer({ name: 'remote' });
    expect((await remoteInfo(api))?.restarts).toBe(restartsBefore + 1);
    expect(posts(kit)).toBeGreaterThan(postsBefore); // a new session: initialize and the lists again
    expect(textOf(await client.callTool({ name: 'remote__echo', arguments: { text: 'again' } }))).toBe(
      'again',
    );
  });

  it('still answers SERVER_NOT_FOUND for a name that is neither stdio nor remote', async () => {
    kit = await startRemoteKit({ withoutAuth: true, entry: { auth: 'none' } });
    await expect(apiOf(kit).restartServer({ name: 'nope' })).rejects.toMatchObject({
      code: 'SERVER_NOT_FOUND',
    });
    await expect(apiOf(kit).setServerEnabled({ name: 'nope', enabled: false })).rejects.toMatchObject({
      code: 'SERVER_NOT_FOUND',
    });
  });
});
