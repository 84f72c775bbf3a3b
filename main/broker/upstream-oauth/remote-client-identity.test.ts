import { connect } from 'node:net';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { registerClient } from '../../test-support/authz-test-kit.js';
import { type BrokerPair, startBrokerPair } from '../../test-support/broker-pair.js';
import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import type { Broker } from '../broker.js';
import { RemoteServerSchema } from '../config/remote-server-config.js';
import { SocketTransport } from '../jsonrpc/socket-transport.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

async function clientOf(broker: Broker): Promise<Client> {
  const socket = connect(broker.paths.mcpSocket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client = new Client({ name: 'cimd-test', version: '1.0.0' });
  await client.connect(new SocketTransport(socket));
  return client;
}

const remoteState = (broker: Broker) =>
  (broker.status() as { servers: { name: string; state: string; lastError?: string }[] }).servers.find(
    (s) => s.name === 'remote',
  );

describe('CL-4 client identity at a remote server’s authorization server (issue 5)', () => {
  let pair: BrokerPair | undefined;
  let kit: RemoteKit | undefined;
  afterEach(async () => {
    await pair?.stop();
    await kit?.stop();
    pair = undefined;
    kit = undefined;
  });

  it('CL-4 uses the client ID metadata document when the AS supports CIMD: broker A signs in to broker B and calls its tools', async () => {
    pair = await startBrokerPair();
    expect(remoteState(pair.a)?.lastError).toContain('login --server remote');
    const events = await pair.signIn();
    expect(events.at(-1)?.event).toBe('success');
    // B fetched A's document (its client_id is the URL); nothing was registered dynamically.
    expect(pair.documentRequests).toContain('/mcp-client.json');
    expect(pair.auditText('a')).not.toContain('"upstream.registered"');
    expect(pair.auditText('b')).not.toContain('"client.registered"');
    expect(pair.auditText('b')).toContain(pair.documentUrl);
    expect(remoteState(pair.a)?.state).toBe('running');
    const client = await clientOf(pair.a);
    try {
      const result = await client.callTool({ name: 'remote__alpha__echo', arguments: { text: 'A to B' } });
      expect(textOf(result)).toBe('alpha: A to B');
    } finally {
      await client.close();
    }
  });

  it('CL-4 prefers a pre-registered client id over the metadata document', async () => {
    pair = await startBrokerPair({
      entry: async (documentUrl, b) => {
        const reg = await registerClient(b.url, {
          client_name: 'Pre-registered A',
          redirect_uris: ['http://127.0.0.1/callback'],
        });
        return { clientId: String(reg.body['client_id']), clientMetadataUrl: documentUrl };
      },
    });
    await pair.signIn();
    expect(pair.documentRequests).toEqual([]);
    expect(remoteState(pair.a)?.state).toBe('running');
    expect(pair.auditText('b')).toContain('Pre-registered A');
  });

  it('CL-4 falls back to dynamic registration when the AS does not advertise CIMD', async () => {
    kit = await startRemoteKit({
      entry: { clientMetadataUrl: 'http://127.0.0.1:9/never-fetched.json' },
      allowLoopbackClientMetadataUrl: true,
    });
    await kit.signIn();
    expect(kit.as.log.filter((l) => l.startsWith('POST /reg')).length).toBe(1);
    expect(kit.auditText()).toContain('"upstream.registered"');
  });

  it('CL-8 the config accepts a document URL only as https with a path (loopback http parses for tests)', () => {
    const parse = (clientMetadataUrl: string) =>
      RemoteServerSchema.safeParse({ url: 'https://mcp.example.com/mcp', clientMetadataUrl }).success;
    expect(parse('https://broker.example/mcp-client.json')).toBe(true);
    expect(parse('https://broker.example/')).toBe(false);
    expect(parse('http://broker.example/mcp-client.json')).toBe(false);
    expect(parse('http://127.0.0.1:8080/mcp-client.json')).toBe(true);
  });

  it('CL-4 CL-8 refuses an http metadata document URL without the test-only option, saying to use https', async () => {
    pair = await startBrokerPair({ allowLoopbackClientMetadataUrl: false });
    await expect(pair.signIn()).rejects.toThrow(/clientMetadataUrl.*is not https/);
    expect(pair.documentRequests).toEqual([]);
  });
});
