#!/usr/bin/env node
// `npm start`: the desktop app where the Electron binary is installed, else the broker headless.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL('./mcp-auth-broker.js', import.meta.url));

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const electron = electronBinary();
const [command, args] = electron
  ? [electron, [fileURLToPath(new URL('..', import.meta.url))]]
  : [process.execPath, [cli, 'serve', ...process.argv.slice(2)]];
if (!electron) {
  process.stdout.write(
    'No Electron binary installed (the desktop shell is not part of this build yet), so the broker runs headless.\n',
  );
}
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
