import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** Integration tests run the built CLI (dist/); build it first (incremental, quick when unchanged). */
export default function setup(): void {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // bin/ runs the one-file bundle of the CLI: rebuild it from what tsc just wrote.
  execFileSync(process.execPath, ['scripts/bundle-cli.mjs'], { stdio: 'inherit' });
}
