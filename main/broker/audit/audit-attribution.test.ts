import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  CLI,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

let tmp: ReturnType<typeof makeTempDir>;
const brokers: RunningBroker[] = [];

beforeEach(() => {
  tmp = makeTempDir();
});

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
  tmp.remove();
});

/** Connects through the real `connect` shim, calling itself `name` in its MCP clientInfo. */
async function connectAs(home: BrokerHome, name: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'connect', '--config', home.configPath, '--data-dir', home.dataDir, '--port', '0'],
    env: process.env as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return client;
}

interface StoredRecord {
  type: string;
  client?: string;
  clientId?: string;
  tool?: string;
}

function records(home: BrokerHome): StoredRecord[] {
  return readFileSync(join(home.dataDir, 'audit', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StoredRecord);
}

/** Runs a client named `name` through one tool call; returns the tool.call record and `audit tail`. */
async function callAs(name: string): Promise<{ record: StoredRecord; tail: string; raw: string }> {
  const home = writeBrokerHome(tmp.path, { servers: { a: fixtureServer() } });
  const broker = await startBroker(home, []);
  brokers.push(broker);
  const client = await connectAs(home, name);
  await client.callTool({ name: 'a__echo', arguments: { text: '1' } });
  await client.close();
  await broker.stop();
  const record = records(home).find((r) => r.type === 'tool.call');
  if (record === undefined) throw new Error('no tool.call record');
  const tail = await runCli([
    'audit',
    'tail',
    '-n',
    '50',
    '--config',
    home.configPath,
    '--data-dir',
    home.dataDir,
  ]);
  const raw = readFileSync(join(home.dataDir, 'audit', 'audit.jsonl'), 'utf8');
  return { record, tail: tail.stdout, raw };
}

describe('audit attribution of clients', () => {
  it('SEC-7 a client name padded with 600 spaces cannot push its client id out of tool.call', async () => {
    const { record } = await callAs(`x${' '.repeat(600)}y`);
    expect(record.clientId).toMatch(/^socket-\d+$/);
    expect(record.client?.length ?? 0).toBeLessThanOrEqual(100);
    expect(record.client).toContain(record.clientId);
  });

  it('SEC-7 a look-alike client name is quoted in audit tail, never printed as fields', async () => {
    const { tail } = await callAs('x  server=github tool=delete_repository');
    const line = tail.split('\n').find((l) => l.includes('tool.call'));
    expect(line).toBeDefined();
    // Outside quoted values, the only fields are the broker's own.
    const unquoted = (line ?? '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(unquoted).not.toContain('server=github');
    expect(unquoted).not.toContain('delete_repository');
    expect(line).toContain('client="x server=github tool=delete_repository#');
    expect(line).toContain('server=a tool=echo');
  });

  it('SEC-7 U+2028 and bidi overrides in a client name are escaped in the log and in tail', async () => {
    const { record, tail, raw } = await callAs('evil\u2028\u202eoh');
    expect(raw).not.toMatch(/[\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(record.client).toContain('evil\\u2028\\u202eoh');
    expect(tail).not.toMatch(/[\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });
});
