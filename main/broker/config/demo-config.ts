import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Name of the keychain secret the demo server's `credential_check` tool proves it received. */
export const DEMO_SECRET_NAME = 'demo-token';

/** Absolute path of the built demo server shipped with the broker. */
export function demoServerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Built layout: dist/main/broker/config/ → dist/main/broker/demo/demo-server.js
  const built = join(here, '..', 'demo', 'demo-server.js');
  if (existsSync(built)) return built;
  // Running from sources (tests): main/broker/config → dist/main/broker/demo/demo-server.js
  return join(here, '..', '..', '..', 'dist', 'main', 'broker', 'demo', 'demo-server.js');
}

/**
 * The config written on first start when none exists: one demo stdio server whose
 * `credential_check` tool shows that a keychain secret reached it, without revealing it.
 */
export function demoConfig(): Record<string, unknown> {
  return {
    servers: {
      demo: {
        command: process.execPath,
        args: [demoServerPath()],
        env: {
          DEMO_TOKEN: { secret: DEMO_SECRET_NAME, optional: true },
          DEMO_GREETING: 'hello from the broker',
        },
      },
    },
  };
}
