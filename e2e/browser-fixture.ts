import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect, type Page } from '@playwright/test';

import {
  type BrokerHome,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../main/test-support/broker-process.js';
import { makeTempDir } from '../main/test-support/temp-dir.js';

export const PASSPHRASE = 'e2e-passphrase';

/** The login link `serve` prints right after its URL line (waits for that output, 10 s at most). */
export function printedLink(broker: RunningBroker): Promise<string | undefined> {
  const find = () => /Open the window \(one-time link, 5 min\): (\S+)/.exec(broker.output())?.[1];
  return new Promise((resolve) => {
    const done = (link: string | undefined) => {
      clearTimeout(timer);
      broker.process.stdout?.off('data', onData);
      resolve(link);
    };
    // The helper's own listener (registered first) has appended the chunk when this one runs.
    const onData = () => {
      const link = find();
      if (link) done(link);
    };
    const timer = setTimeout(() => done(find()), 10_000);
    broker.process.stdout?.on('data', onData);
    onData();
  });
}

/** A real broker in browser mode: temp HOME / XDG dirs, encrypted-file secret store, fixture servers. */
export interface BrowserBroker {
  dir: string;
  home: BrokerHome;
  env: NodeJS.ProcessEnv;
  broker: RunningBroker;
  /** The login link `serve` printed. */
  firstLink: string;
  /** A fresh one-time login link from `mcp-auth-broker ui`. */
  newLink(): Promise<string>;
  close(): Promise<void>;
}

export async function startBrowserBroker(): Promise<BrowserBroker> {
  const temp = makeTempDir('mab-e2e-');
  const env = {
    HOME: temp.path,
    XDG_CONFIG_HOME: join(temp.path, 'xdg-config'),
    XDG_DATA_HOME: join(temp.path, 'xdg-data'),
    MCP_AUTH_BROKER_PASSPHRASE: PASSPHRASE,
  };
  mkdirSync(env.XDG_CONFIG_HOME, { recursive: true });
  const home = writeBrokerHome(temp.path, {
    servers: {
      alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }),
      beta: fixtureServer({ FIXTURE_NAME: 'beta' }),
    },
    secretStore: { type: 'encrypted-file' },
  });
  const broker = await startBroker(home, [], env);
  const link = await printedLink(broker);
  if (!link) throw new Error(`serve printed no login link:\n${broker.output()}`);
  const where = ['--config', home.configPath, '--data-dir', home.dataDir];
  return {
    dir: temp.path,
    home,
    env: { ...process.env, ...env },
    broker,
    firstLink: link,
    newLink: async () => {
      const result = await runCli(['ui', ...where], { env });
      const url = /http:\/\/127\.0\.0\.1:\d+\/ui\/login\?token=\S+/.exec(result.stdout)?.[0];
      if (!url) throw new Error(`"ui" printed no link: ${result.stderr}`);
      return url;
    },
    close: async () => {
      await broker.stop();
      temp.remove();
    },
  };
}

/** The person on the provider's pages: types the user code, logs in with any name, consents. */
export async function approveOnProvider(
  page: Page,
  verificationUri: string,
  userCode: string,
): Promise<void> {
  await page.goto(verificationUri);
  for (let step = 0; step < 8; step++) {
    const form = page.locator('form').first();
    if ((await form.count()) === 0) break;
    for (const [name, value] of [
      ['user_code', userCode],
      ['login', 'octo-person'],
      ['password', 'any-password'],
    ] as const) {
      const input = form.locator(`input[name="${name}"]:not([type=hidden])`);
      if ((await input.count()) > 0) await input.fill(value);
    }
    // oidc-provider's device pages put their buttons outside the form (`form="…"`); skip "Abort".
    await page.locator('[type=submit]:not([name=abort])').first().click();
    await page.waitForLoadState('domcontentloaded');
  }
  await expect(page.locator('body')).toContainText(/success|signed in|you can close/i);
}
