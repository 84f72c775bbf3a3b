import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defineConfig } from '@playwright/test';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from './main/test-support/chromium-consent.js';

/**
 * End-to-end tests of the window in browser mode (a real broker process, real MCP servers, Debian's
 * Chromium). `npx playwright install` cannot work here, so the system Chromium is used; specs skip
 * with a printed reason when it is missing. Screenshots of each screen land in test-results/.
 */
/** Chromium writes under HOME / XDG dirs: keep that in a private temp folder, never the person's own. */
const browserHome = join(tmpdir(), `mab-chromium-${String(process.getuid?.() ?? 'user')}`);
mkdirSync(browserHome, { recursive: true, mode: 0o700 });

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      env: {
        ...process.env,
        HOME: browserHome,
        XDG_CONFIG_HOME: join(browserHome, 'config'),
        XDG_CACHE_HOME: join(browserHome, 'cache'),
      },
      args: CHROMIUM_ARGS,
    },
    viewport: { width: 1200, height: 800 },
    trace: 'off',
  },
});
