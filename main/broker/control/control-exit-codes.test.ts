import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { UiLoginLinkResponseSchema } from '../../contract/control-api.js';
import { ApiErrorSchema } from '../../contract/window-api.js';
import {
  type BrokerHome,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { exitCodeFor, httpStatusForCode } from '../base/error-codes.js';
import { BrokerError, type BrokerErrorCode } from '../base/errors.js';
import { SESSION_SECRET_META } from '../window/browser-mode.js';
import { SESSION_HEADER } from '../window/ui-session.js';
import { callControl, expectOk, requestControl } from './control-client.js';

/** A session bus address where nothing listens: the broker's OS keychain is unreachable. */
const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/mab-no-bus' };

let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;
let where: string[];
let broker: RunningBroker | undefined;

afterEach(async () => {
  await broker?.stop();
  tmp.remove();
});

describe('exit codes of errors that come from the running broker', () => {
  beforeEach(async () => {
    tmp = makeTempDir('mab-exit-');
    home = writeBrokerHome(tmp.path, { servers: {} });
    where = ['--config', home.configPath, '--data-dir', home.dataDir];
    broker = await startBroker(home, [], NO_KEYCHAIN);
  });

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

/** Signs into the broker's browser mode with a one-time link from the control socket. */
async function browserSession(dataDir: string, origin: string) {
  const link = await requestControl(dataDir, 'POST', '/ui/login-link', UiLoginLinkResponseSchema);
  const login = await fetch(link.url, { redirect: 'manual' });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await login.text();
  const secret = new RegExp(`<meta name="${SESSION_SECRET_META}" content="([^"]+)">`).exec(page)?.[1] ?? '';
  expect(cookie).not.toBe('');
  expect(secret).not.toBe('');
  return async (method: string, input: unknown) => {
    const res = await fetch(`${origin}/api/call/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin, [SESSION_HEADER]: secret },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  };
}

describe('one error model: control socket, browser mode and CLI agree', () => {
  const env = { MCP_AUTH_BROKER_PASSPHRASE: 'exit-codes-test' };
  beforeEach(async () => {
    tmp = makeTempDir('mab-exit-');
    home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
    where = ['--config', home.configPath, '--data-dir', home.dataDir];
    broker = await startBroker(home, [], env);
  });

  const cases: {
    code: BrokerErrorCode;
    control: [string, string];
    browser: [string, unknown];
    cli: string[];
  }[] = [
    {
      code: 'CLIENT_NOT_FOUND',
      control: ['DELETE', '/clients/no-such-client'],
      browser: ['revokeClient', { clientId: 'no-such-client' }],
      cli: ['clients', 'revoke', 'no-such-client'],
    },
    {
      code: 'CONSENT_NOT_FOUND',
      control: ['POST', '/consents/NOPE-NOPE/deny'],
      browser: ['denyConsent', { requestCode: 'NOPE-NOPE' }],
      cli: ['clients', 'deny', 'NOPE-NOPE'],
    },
  ];

  it.each(cases)(
    'REL-9 $code: same code and HTTP status over the control socket and in browser mode, its exit code in the CLI',
    async ({ code, control, browser, cli }) => {
      if (!broker) throw new Error('broker not started');
      const status = httpStatusForCode(code);
      const viaControl = await callControl(home.dataDir, control[0], control[1]);
      expect(viaControl).toMatchObject({ status, body: { code } });
      const call = await browserSession(home.dataDir, broker.url);
      const viaBrowser = await call(browser[0], browser[1]);
      expect(viaBrowser).toMatchObject({ status, body: { code } });
      const viaCli = await runCli([...cli, ...where], { env });
      expect(viaCli.code).toBe(exitCodeFor(new BrokerError(code, '')));
      expect(viaCli.code).not.toBe(2);
      expect(viaCli.stderr).toContain(ApiErrorSchema.parse(viaControl.body).message);
    },
  );
});
