import { parseArgs, type ParseArgsConfig } from 'node:util';

import { BrokerError } from '../base/errors.js';

/** Streams and environment a command runs with (injected so tests can drive the CLI in-process). */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Absolute path of the `mcp-auth-broker` entry script. */
  cliScript: string;
}

/** Exit codes documented in the README. */
export const EXIT = { ok: 0, error: 1, usage: 2, config: 78 } as const;

export const commonOptions = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** parseArgs with the common options, strict, turning its errors into USAGE errors. */
export function parseCommand<O extends ParseArgsConfig['options']>(
  args: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new BrokerError('USAGE', error instanceof Error ? error.message : String(error));
  }
}

export function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BrokerError(
      'USAGE',
      `--port must be a whole number from 0 to 65535 (0 = any free port), got "${text}".`,
    );
  }
  return port;
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text + '\n');
}
