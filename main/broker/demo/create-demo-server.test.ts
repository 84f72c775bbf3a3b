import { createHash } from 'node:crypto';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

import { createDemoServer, type DemoServerOptions, describeCredential } from './create-demo-server.js';

const TOKEN = 'demo-abcdefghijklmnopqrstuvwx';
const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('demo server', () => {
  let client: Client | undefined;

  async function connect(options: DemoServerOptions): Promise<Client> {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createDemoServer(options).connect(serverSide);
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(clientSide);
    return client;
  }

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('lists its tools, the readme resource and the greet prompt', async () => {
    const c = await connect({ env: {} });
    const tools = (await c.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual(['add', 'count_down', 'credential_check', 'echo']);
    const readme = await c.readResource({ uri: 'demo://readme' });
    expect(readme.contents[0]).toMatchObject({ uri: 'demo://readme', mimeType: 'text/markdown' });
    const prompt = await c.getPrompt({ name: 'greet', arguments: { name: 'Ann' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Say "hello" to Ann, warmly.' });
  });

  it('echoes and adds', async () => {
    const c = await connect({ env: {} });
    expect(
      textOf((await c.callTool({ name: 'echo', arguments: { text: 'hi there' } })) as CallToolResult),
    ).toBe('hi there');
    const sum = (await c.callTool({ name: 'add', arguments: { a: 2, b: 40 } })) as CallToolResult;
    expect(textOf(sum)).toBe('42');
    expect(sum.structuredContent).toEqual({ sum: 42 });
  });

  it('proves the credential arrived without revealing it', async () => {
    const c = await connect({ env: { DEMO_TOKEN: TOKEN } });
    const result = (await c.callTool({ name: 'credential_check', arguments: {} })) as CallToolResult;
    const fingerprint = createHash('sha256').update(TOKEN).digest('hex').slice(0, 12);
    expect(result.structuredContent).toEqual({
      present: true,
      length: TOKEN.length,
      sha256Prefix: fingerprint,
    });
    expect(textOf(result)).toContain(fingerprint);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('says how to set the credential when it is missing', async () => {
    const c = await connect({ env: {} });
    const result = (await c.callTool({ name: 'credential_check', arguments: {} })) as CallToolResult;
    expect(result.structuredContent).toEqual({ present: false });
    expect(textOf(result)).toContain('mcp-auth-broker secret set demo-token');
    expect(describeCredential('')).toEqual({ present: false });
  });

  it('counts down with progress notifications', async () => {
    const c = await connect({ env: {}, stepDelayMs: 5 });
    const progress: number[] = [];
    const result = (await c.callTool({ name: 'count_down', arguments: { n: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    })) as CallToolResult;
    expect(textOf(result)).toBe('Liftoff!');
    expect(progress).toEqual([1, 2, 3]);
  });
});
