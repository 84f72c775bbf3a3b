import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';

import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import { TestTokenIssuer } from '../../test-support/test-token-issuer.js';
import { scopeForServer } from '../authz/access-token.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

describe('remote upstream transports (issue 5)', () => {
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await kit?.stop();
    kit = undefined;
  });

  it('calls a streamable HTTP upstream through the broker’s own /mcp endpoint', async () => {
    const issuer = await TestTokenIssuer.create();
    kit = await startRemoteKit({ verifier: issuer });
    await kit.signIn();
    const token = await issuer.issue({
      audience: `${kit.broker.url}/mcp`,
      scopes: [scopeForServer('remote')],
    });
    const client = new Client({ name: 'http-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${kit.broker.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['remote__whoami', 'remote__echo']));
      const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'via /mcp' } });
      expect(textOf(result)).toBe('via /mcp');
    } finally {
      await client.close();
    }
  });

  it('CL-1 full flow when the metadata is only at the root and not named in the challenge', async () => {
    kit = await startRemoteKit({ server: { metadataAt: 'root', challengeMetadata: false } });
    await kit.signIn();
    const client = await kit.client();
    const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'root metadata' } });
    expect(textOf(result)).toBe('root metadata');
    const probes = kit.server.log.filter((l) => l.includes('oauth-protected-resource'));
    expect(probes.slice(0, 2)).toEqual([
      'GET /.well-known/oauth-protected-resource/mcp 404',
      'GET /.well-known/oauth-protected-resource 200',
    ]);
  });

  it('signs in to and calls a legacy HTTP+SSE upstream', async () => {
    kit = await startRemoteKit({ server: { kind: 'sse' } });
    const before = (kit.broker.status() as { servers: { name: string; lastError?: string }[] }).servers;
    expect(before.find((s) => s.name === 'remote')?.lastError).toContain('login --server remote');
    await kit.signIn();
    const client = await kit.client();
    const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'over sse' } });
    expect(textOf(result)).toBe('over sse');
    expect(kit.server.log.some((l) => l.startsWith('POST /messages 202'))).toBe(true);
  });

  it('calls a WebSocket upstream with a static header from the keychain, never logging it', async () => {
    const apiKey = 'ws-api-key-0123456789abcdef';
    kit = await startRemoteKit({
      withoutAuth: true,
      server: { kind: 'websocket', apiKey },
      secrets: { 'remote-key': apiKey },
      entry: { auth: { header: 'X-Api-Key', secret: 'remote-key' } },
    });
    const client = await kit.client();
    const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'over ws' } });
    expect(textOf(result)).toBe('over ws');
    const audit = kit.auditText();
    expect(audit).toContain('"secretName":"remote-key"');
    expect(audit).not.toContain(apiKey);
  });

  it('reconnects a WebSocket upstream that went away', async () => {
    const apiKey = 'ws-api-key-0123456789abcdef';
    kit = await startRemoteKit({
      withoutAuth: true,
      server: { kind: 'websocket', apiKey },
      secrets: { 'remote-key': apiKey },
      entry: { auth: { header: 'X-Api-Key', secret: 'remote-key' } },
    });
    const client = await kit.client();
    await kit.server.restart();
    const k = kit;
    await expect.poll(() => k.auditText().includes('"server.crash"'), { timeout: 15_000 }).toBe(true);
    const state = () =>
      (k.broker.status() as { servers: { name: string; state: string }[] }).servers.find(
        (s) => s.name === 'remote',
      )?.state;
    await expect.poll(state, { timeout: 15_000 }).toBe('running');
    const result = await client.callTool({ name: 'remote__echo', arguments: { text: 'again' } });
    expect(textOf(result)).toBe('again');
    expect(kit.auditText()).toContain('the connection to ws://127.0.0.1');
  });

  it('CL-8 refuses an http URL that is not loopback, with a clear error and no retry loop', async () => {
    kit = await startRemoteKit({ entry: { url: 'http://mcp.example.com/mcp' } });
    const status = (
      kit.broker.status() as {
        servers: { name: string; state: string; lastError?: string; restarts: number }[];
      }
    ).servers.find((s) => s.name === 'remote');
    expect(status?.state).toBe('failed');
    expect(status?.lastError).toContain('http://mcp.example.com is not https');
    expect(status?.restarts).toBe(0);
    expect(kit.server.log).toEqual([]);
  });
});
