import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  connectThroughShim,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../test-support/broker-process.js';
import { makeTempDir } from '../test-support/temp-dir.js';

const PASSPHRASE = { MCP_AUTH_BROKER_PASSPHRASE: 'correct horse battery staple' };

let tmp: ReturnType<typeof makeTempDir>;
let broker: RunningBroker | undefined;

beforeEach(() => {
  tmp = makeTempDir();
});

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
  tmp.remove();
});

/** A PEM-style canary: armor lines, three random base64 body lines (64, 64, 24 characters). */
function pemCanary(): { pem: string; lines: string[] } {
  const body = randomBytes(114).toString('base64');
  const lines = [body.slice(0, 64), body.slice(64, 128), body.slice(128)];
  const pem = ['-----BEGIN PRIVATE KEY-----', ...lines, '-----END PRIVATE KEY-----'].join('\n');
  return { pem, lines };
}

function cli(home: BrokerHome, args: string[], input?: string) {
  return runCli([...args, '--config', home.configPath, '--data-dir', home.dataDir], {
    ...(input === undefined ? {} : { input }),
    env: PASSPHRASE,
  });
}

function auditText(home: BrokerHome): string {
  const dir = join(home.dataDir, 'audit');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** Every place where a canary line shows up in `text` (empty when none does). */
function leaks(text: string, lines: string[]): string[] {
  return lines.filter((line) => text.includes(line));
}

describe('multi-line secrets', () => {
  it('SEC-5 a PEM key printed line by line, quoted in errors and results, is redacted everywhere it leaves the broker', async () => {
    const { pem, lines } = pemCanary();
    const env = { PEM_KEY: { secret: 'pem-key' }, FIXTURE_LEAK_ENV: 'PEM_KEY' };
    const home = writeBrokerHome(tmp.path, {
      secretStore: { type: 'encrypted-file' },
      servers: {
        leaky: fixtureServer(env),
        broken: fixtureServer({ ...env, FIXTURE_LEAK_EXIT: '1' }),
      },
    });
    const set = await cli(home, ['secret', 'set', 'pem-key'], `${pem}\n`);
    expect(set.code, set.stderr).toBe(0);
    broker = await startBroker(home, ['--log-level', 'debug'], PASSPHRASE);
    const { client, stderr: shimStderr } = await connectThroughShim(home, PASSPHRASE);

    const failed = await client.callTool({ name: 'leaky__leak_error', arguments: {} });
    expect(failed.isError).toBe(true);
    const failedText = JSON.stringify(failed.content);
    expect.soft(failedText).toContain('cannot parse key, line 2: [REDACTED]');

    const result = await client.callTool({ name: 'leaky__leak_text', arguments: {} });
    const resultText = JSON.stringify(result.content);
    expect.soft(resultText).toContain('[REDACTED]');

    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logged.push(n.params));
    await client.callTool({ name: 'leaky__leak_log', arguments: {} });
    const logText = JSON.stringify(logged);
    expect.soft(logText).toContain('[REDACTED]');

    const unavailable = await client.callTool({ name: 'broken__echo', arguments: { text: 'x' } }).then(
      () => 'no error',
      (error: unknown) => String(error),
    );
    expect(unavailable).toMatch(/broken[\s\S]*key line/);
    await client.close();

    const human = await cli(home, ['status']);
    const json = await cli(home, ['status', '--json']);
    expect.soft(human.stdout).toContain('key line 2: [REDACTED]');
    const parsed = JSON.parse(json.stdout) as { servers: { name: string; stderrTail: string[] }[] };
    expect
      .soft(parsed.servers.find((s) => s.name === 'leaky')?.stderrTail.join('\n'))
      .toContain('[REDACTED]');

    await broker.stop();
    const audit = auditText(home);
    expect(audit).toContain('"type":"server.start_failed"');
    for (const [where, text] of [
      ['isError tool result', failedText],
      ['tool result', resultText],
      ['tool error', unavailable],
      ['log notification', logText],
      ['status', human.stdout],
      ['status --json', json.stdout],
      ['audit log', audit],
      ['debug log', broker.output()],
      ['shim stderr', shimStderr()],
    ] as const) {
      expect.soft(leaks(text, lines), `canary lines leaked into the ${where}`).toEqual([]);
    }
    // Six processes (CLI, broker, shim, two servers with retries): generous on a loaded machine.
  }, 90_000);
});
