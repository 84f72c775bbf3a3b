import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';

import { dataDirPath } from '../runtime/paths.js';

/** What starting a background broker needs (the shim's options are a superset). */
export interface StartBrokerOptions {
  configPath: string;
  dataDir: string;
  /** Passed to the broker started. */
  port?: number;
  /** The `mcp-auth-broker` entry script. */
  cliScript: string;
}

/** Starts `serve --background` detached, its output to `<dataDir>/broker.log`. Loaded lazily by connect.ts. */
export function startBackgroundBroker(o: StartBrokerOptions): {
  exited: () => number | null;
  logPath: string;
} {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const logPath = dataDirPath(o.dataDir, 'backgroundLog');
  const log = openSync(logPath, 'a', 0o600);
  const args = [o.cliScript, 'serve', '--background', '--config', o.configPath, '--data-dir', o.dataDir];
  if (o.port !== undefined) args.push('--port', String(o.port));
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', log, log],
    windowsHide: true,
  });
  closeSync(log);
  let code: number | null = null;
  child.once('exit', (c) => (code = c ?? 1));
  child.unref();
  return { exited: () => code, logPath };
}

export function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}
