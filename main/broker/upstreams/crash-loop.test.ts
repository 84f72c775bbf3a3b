import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { Gateway } from '../gateway/gateway.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));

/** A server that exits at once (stderr "fatal: bad config") while the secret `mode` is "1". */
const broken = () =>
  StdioServerSchema.parse({
    command: process.execPath,
    args: [FIXTURE],
    env: { FIXTURE_FAIL_START: { secret: 'mode' } },
  });

describe('15.4 crash loops end', () => {
  let gateway: Gateway | undefined;
  let audit: AuditEventInput[] = [];

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  function makeGateway(secrets = memorySecretStore({ mode: '1' })) {
    audit = [];
    gateway = new Gateway({
      servers: { loop: broken() },
      secrets,
      audit: { record: (event) => audit.push(event) },
      logger: silentLogger(),
      clock: systemClock,
      redactor: new SecretRedactor(),
      timing: { initialMs: 20, maxMs: 40, startWaitMs: 5000, startTimeoutMs: 5000, crashLoopLimit: 3 },
    });
    return { gw: gateway, secrets };
  }

  const gaveUp = () => audit.filter((e) => e.type === 'server.gave_up');
  const failedStarts = () => audit.filter((e) => e.type === 'server.start_failed');

  it('15.4 a server that exits at once is stopped after N tries: failed, with stderr, one audit record', async () => {
    const { gw } = makeGateway();
    await gw.start();
    await expect.poll(() => gw.status()[0]?.retrying, { timeout: 5000 }).toBe(false);
    const status = gw.status()[0]!;
    expect(status).toMatchObject({ state: 'failed', restarts: 2 });
    expect(status.lastError).toContain('exited with code 2');
    expect(status.lastError).toContain('fatal: bad config');
    expect(status.lastError).toContain('Stopped after 3 failed tries in a row');
    expect(status.stderrTail).toContain('fatal: bad config');
    expect(failedStarts()).toHaveLength(3);
    expect(gaveUp()).toHaveLength(1);
    expect(gaveUp()[0]).toMatchObject({ server: 'loop', outcome: 'error' });
    expect(gaveUp()[0]?.message).toContain('fatal: bad config');
    // A fixed wait on purpose: it proves that no further try (and no further record) follows.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gw.status()[0]).toMatchObject({ state: 'failed', restarts: 2, retrying: false });
    expect(failedStarts()).toHaveLength(3);
    expect(gaveUp()).toHaveLength(1);
  });

  it('15.4 a restart by the person brings it back (and a restart that still fails gets N fresh tries)', async () => {
    const { gw, secrets } = makeGateway();
    await gw.start();
    await expect.poll(() => gw.status()[0]?.retrying, { timeout: 5000 }).toBe(false);
    await gw.restartServer('loop');
    expect(gw.status()[0]).toMatchObject({ state: 'failed', retrying: true });
    await expect.poll(() => gw.status()[0]?.retrying, { timeout: 5000 }).toBe(false);
    expect(gaveUp()).toHaveLength(2);
    await secrets.set('mode', '0');
    await gw.restartServer('loop');
    expect(gw.status()[0]).toMatchObject({ state: 'running' });
    expect(gw.status()[0]?.lastError).toBeUndefined();
  });

  it('15.4 a changed config starts it over', async () => {
    const { gw, secrets } = makeGateway();
    await gw.start();
    await expect.poll(() => gw.status()[0]?.retrying, { timeout: 5000 }).toBe(false);
    await secrets.set('mode', '0');
    await gw.putServer('loop', broken());
    expect(gw.status()[0]).toMatchObject({ state: 'running', restarts: 0 });
  });
});
