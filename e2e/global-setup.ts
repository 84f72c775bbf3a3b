import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

import { build } from 'vite';

/** The specs run the built CLI and the built window: build both first (tsc is incremental). */
export default async function globalSetup(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  await build({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
}
