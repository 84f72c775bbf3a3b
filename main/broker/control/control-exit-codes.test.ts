import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  runCli,
  startBroker,
  writeBrokerHome,
  type BrokerHome,
  type RunningBroker,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { callControl, expectOk } from './control-client.js';

/** A session bus address where nothing listens: the broker's OS keychain is unreachable. */
const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/mab-no-bus' };

let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;
let where: string[];
let broker: RunningBroker | undefined;

beforeEach(async () => {
  tmp = makeTempDir('mab-exit-');
  home = writeBrokerHome(tmp.path, { servers: {} });
  where = ['--config', home.configPath, '--data-dir', home.dataDir];
  broker = await startBroker(home, [], NO_KEYCHAIN);
});
afterEach(async () => {
  await broker?.stop();
  tmp.remove();
});

describe('exit codes of errors that come from the running broker', () => {
  it('REL-9 keychain error inside the broker → exit 1 (error), not 2 (usage)', async () => {
    const result = await runCli(['secret', 'set', 'FOO', ...where], { input: 'value\n' });
    expect(result.stderr).toContain('No OS keychain is reachable');
    expect(result.stderr).not.toContain('value');
    expect(result.code).toBe(1);
  });

  it('REL-9 the broker error code survives the control socket (SECRET_STORE_UNAVAILABLE, USAGE)', async () => {
    const store = callControl(home.dataDir, 'PUT', '/secrets/FOO', { value: 'v' });
    await expect(store.then(expectOk)).rejects.toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE' });
    const badBody = await callControl(home.dataDir, 'PUT', '/secrets/FOO', { wrong: 1 });
    expect(badBody.status).toBe(400);
    expect(() => expectOk(badBody)).toThrow(expect.objectContaining({ code: 'USAGE' }) as Error);
  });

  it('REL-9 a usage error still exits 2 while the broker runs', async () => {
    const result = await runCli(['secret', 'set', ...where]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: secret set NAME');
  });
});
