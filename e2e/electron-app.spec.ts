import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { _electron as electron, expect, test } from '@playwright/test';

import { fixtureServer, writeBrokerHome } from '../main/test-support/broker-process.js';
import { makeTempDir } from '../main/test-support/temp-dir.js';

/** The Electron binary when `electron` and its downloaded binary are installed. */
function electronBinary(): string | undefined {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const reason =
  'the Electron binary is not installed (allowScripts denies its download; run `node node_modules/electron/install.js` where a download is possible). The shell is covered by the IPC contract tests and browser mode';
if (!binary) console.warn(`skipping Electron e2e: ${reason}`);
test.skip(binary === undefined, reason);

test('the desktop window opens with the servers screen and a locked-down renderer', async () => {
  const temp = makeTempDir('mab-e2e-electron-');
  const home = writeBrokerHome(temp.path, {
    servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) },
    secretStore: { type: 'encrypted-file' },
    port: 0,
  });
  const app = await electron.launch({
    executablePath: binary ?? '',
    args: [fileURLToPath(new URL('..', import.meta.url))],
    env: {
      ...process.env,
      HOME: temp.path,
      MCP_AUTH_BROKER_CONFIG: home.configPath,
      MCP_AUTH_BROKER_DATA_DIR: home.dataDir,
      MCP_AUTH_BROKER_PASSPHRASE: 'e2e-electron',
    },
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByRole('heading', { name: 'alpha' })).toBeVisible();
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(await window.evaluate(() => typeof (window as { broker?: unknown }).broker)).toBe('object');
    await window.screenshot({ path: test.info().outputPath('electron-servers.png') });
  } finally {
    await app.close();
    temp.remove();
  }
});
