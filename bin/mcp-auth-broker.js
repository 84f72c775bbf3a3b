#!/usr/bin/env node
// Entry point of the `mcp-auth-broker` command. The TypeScript sources are built into dist/ by
// `npm install` (the `prepare` script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
// `connect` (the stdio shim a client launches per session) loads only its own few modules, not the
// CLI: it starts in tens of milliseconds and holds little memory (issue 11 point 2).
// Every other command runs the one-file bundle of the CLI that `npm run build` writes
// (scripts/bundle-cli.mjs): it starts faster than loading each module of dist/ on its own.
const bundle = new URL('../dist/main/broker/cli/cli-bundle.mjs', import.meta.url);
const entry =
  args[0] === 'connect'
    ? new URL('../dist/main/broker/shim/connect-main.js', import.meta.url)
    : existsSync(fileURLToPath(bundle))
      ? bundle
      : new URL('../dist/main/broker/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'mcp-auth-broker: not built yet. Run "npm install" (or "npm run build") in the project folder.\n',
  );
  process.exit(1);
}
const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cliScript: fileURLToPath(import.meta.url),
};
const code =
  args[0] === 'connect'
    ? await (await import(entry.href)).connectMain(args.slice(1), io)
    : await (await import(entry.href)).runCli(args, io);
// Exit explicitly: a relayed stdin or a broker's timers must not keep a finished command alive.
process.stdout.write('', () => process.exit(code));
