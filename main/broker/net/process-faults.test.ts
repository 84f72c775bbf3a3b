import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningBroker, startBroker, writeBrokerHome } from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

/**
 * A fault no handler catches, injected into the real broker process from outside its code: a
 * preloaded module throws (and rejects a promise) when the process gets SIGUSR2, as a bug deep in a
 * dependency's callback would.
 */
const INJECTOR = `
process.on('SIGUSR2', () => {
  Promise.reject(new Error('injected unhandled rejection'));
  setImmediate(() => { throw new Error('injected uncaught exception'); });
});
`;

let tmp: ReturnType<typeof makeTempDir>;
let broker: RunningBroker;
let dataDir: string;

beforeAll(async () => {
  tmp = makeTempDir('mab-faults-');
  const injector = join(tmp.path, 'inject-fault.cjs');
  writeFileSync(injector, INJECTOR);
  const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
  dataDir = home.dataDir;
  broker = await startBroker(home, [], {
    MCP_AUTH_BROKER_PASSPHRASE: 'faults-test',
    NODE_OPTIONS: `--require ${injector}`,
  });
}, 60_000);

afterAll(async () => {
  await broker.stop();
  tmp.remove();
});

const auditText = () => readFileSync(join(dataDir, 'audit', 'audit.jsonl'), 'utf8');

describe('process-level faults', () => {
  it('SEC-2 an uncaught exception or unhandled rejection is logged and audited, and the broker keeps serving', async () => {
    expect((await fetch(`${broker.url}/healthz`)).status).toBe(200);
    broker.process.kill('SIGUSR2');
    await expect
      .poll(() => auditText(), { timeout: 10_000 })
      .toMatch(/"type":"broker\.error".*injected uncaught exception/);
    expect(auditText()).toMatch(/"type":"broker\.error".*injected unhandled rejection/);
    expect(broker.process.exitCode).toBeNull();
    expect((await fetch(`${broker.url}/healthz`)).status).toBe(200);
  });
});
