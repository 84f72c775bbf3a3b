#!/usr/bin/env node
// Entry point of the `mcp-auth-broker` command. The TypeScript sources are built into dist/ by
// `npm install` (the `prepare` script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/main/broker/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'mcp-auth-broker: not built yet. Run "npm install" (or "npm run build") in the project folder.\n',
  );
  process.exit(1);
}
const { runCli } = await import(cli.href);
const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cliScript: fileURLToPath(import.meta.url),
});
// Exit explicitly: a relayed stdin or a broker's timers must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));
