import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { startTestBroker } from '../../test-support/in-process-broker.js';
import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { Gateway } from '../gateway/gateway.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';

const FORKING = fileURLToPath(new URL('../../test-support/forking-server.mjs', import.meta.url));

/**
 * Whether `pid` is a live process. A zombie counts as gone: it has ended and holds nothing, it is
 * only waiting to be reaped (this container's pid 1 does not reap orphans).
 */
function alive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The grandchild pids the forking fixture wrote, once there are `count` of them. */
async function grandchildren(pidFile: string, count: number): Promise<number[]> {
  const read = () =>
    existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
  await expect.poll(() => read().length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
  return read();
}

const forking = (pidFile: string, env: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  StdioServerSchema.parse({
    command: process.execPath,
    args: [FORKING],
    env: { FIXTURE_GRANDCHILD_PIDFILE: pidFile, ...env },
    ...extra,
  });

describe.skipIf(process.platform === 'win32')(
  '15.5 clean processes: a stdio server runs in its own process group',
  () => {
    const temp = makeTempDir('mab-pg-');
    let gateway: Gateway | undefined;
    const leftovers: number[] = [];
    afterAll(() => temp.remove());

    afterEach(async () => {
      await gateway?.stop();
      gateway = undefined;
      for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });

    function makeGateway(servers: Record<string, ReturnType<typeof forking>>) {
      gateway = new Gateway({
        servers,
        secrets: memorySecretStore(),
        audit: { record: () => undefined },
        logger: silentLogger(),
        clock: systemClock,
        redactor: new SecretRedactor(),
        timing: { initialMs: 50, maxMs: 200, startWaitMs: 5000, startTimeoutMs: 5000, stopGraceMs: 300 },
      });
      return gateway;
    }

    async function running(pidFile: string, env?: Record<string, string>) {
      const gw = makeGateway({ tree: forking(pidFile, env) });
      await gw.start();
      expect(gw.status()[0]?.state).toBe('running');
      const [grandchild] = await grandchildren(pidFile, 1);
      leftovers.push(grandchild!);
      expect(alive(grandchild!)).toBe(true);
      return { gw, grandchild: grandchild! };
    }

    it('15.5 stopping a server ends its grandchild too', async () => {
      const { gw, grandchild } = await running(join(temp.path, 'stop.pids'));
      await gw.stop();
      await expect.poll(() => alive(grandchild)).toBe(false);
    });

    it('15.5 a grandchild that ignores SIGTERM is killed after the grace period', async () => {
      const { gw, grandchild } = await running(join(temp.path, 'term.pids'), {
        FIXTURE_GRANDCHILD_IGNORE_TERM: '1',
      });
      await gw.stop();
      await expect.poll(() => alive(grandchild)).toBe(false);
    });

    it('15.5 restarting a server ends the old tree before the new one runs', async () => {
      const pidFile = join(temp.path, 'restart.pids');
      const { gw, grandchild } = await running(pidFile);
      await gw.restartServer('tree');
      expect(gw.status()[0]?.state).toBe('running');
      const [, second] = await grandchildren(pidFile, 2);
      leftovers.push(second!);
      expect(alive(grandchild)).toBe(false);
      expect(alive(second!)).toBe(true);
    });

    it('15.5 disabling a server ends its whole group', async () => {
      const pidFile = join(temp.path, 'disable.pids');
      const { gw, grandchild } = await running(pidFile);
      await gw.putServer('tree', forking(pidFile, {}, { enabled: false }));
      expect(gw.status()[0]?.state).toBe('disabled');
      await expect.poll(() => alive(grandchild)).toBe(false);
    });

    it('15.5 a server that crashes leaves no child behind, and its restart starts a fresh one', async () => {
      const pidFile = join(temp.path, 'crash.pids');
      const { gw, grandchild } = await running(pidFile);
      await gw.callTool('tree__crash', {}, { client: 'test' }).catch(() => undefined);
      await expect.poll(() => alive(grandchild)).toBe(false);
      await expect.poll(() => gw.status()[0]?.state).toBe('running');
      const [, second] = await grandchildren(pidFile, 2);
      leftovers.push(second!);
      expect(alive(second!)).toBe(true);
    });

    it('15.5 closing the broker ends every server group', async () => {
      const pidFile = join(temp.path, 'broker.pids');
      const broker = await startTestBroker({
        servers: {
          tree: { command: process.execPath, args: [FORKING], env: { FIXTURE_GRANDCHILD_PIDFILE: pidFile } },
        },
      });
      try {
        const [grandchild] = await grandchildren(pidFile, 1);
        leftovers.push(grandchild!);
        expect(alive(grandchild!)).toBe(true);
        await broker.stop();
        expect(alive(grandchild!)).toBe(false);
      } finally {
        await broker.stop();
      }
    });
  },
);
