#!/usr/bin/env node
// `npm start`: the desktop app where the Electron binary is installed, else the broker headless
// (browser mode: `serve` prints a one-time login link to the window at http://127.0.0.1:<port>/ui/).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL('./mcp-auth-broker.js', import.meta.url));
const app = fileURLToPath(new URL('../dist/main/electron/app.js', import.meta.url));

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined; // the package is there but its binary was never downloaded
  }
}

const electron = existsSync(app) ? electronBinary() : undefined;
const [command, args] = electron
  ? [electron, [fileURLToPath(new URL('..', import.meta.url))]]
  : [process.execPath, [cli, 'serve', ...process.argv.slice(2)]];
if (!electron) {
  process.stdout.write(
    'No Electron binary is installed here, so the broker runs headless: open its window in your browser with the login link below.\n',
  );
}
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
