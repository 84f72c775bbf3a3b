import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Fields that may hold credentials; pino replaces them wherever they appear (two levels deep). */
export const REDACTED_KEYS = [
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'device_code',
  'client_secret',
  'authorization',
  'password',
  'secret',
  'token',
  'value',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stderr by default (stdout of the shim is reserved for JSON-RPC). */
  destination?: DestinationStream;
  /** Scrubs known secret values from every line, on top of the key-based redaction (secrets/secret-redactor.ts). */
  redactor?: { redact(text: string): string };
}

/** The debug log: pino with key-based redaction and value scrubbing. Never writes to stdout. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  const redactor = options.redactor;
  const stream: DestinationStream = redactor
    ? { write: (line: string) => destination.write(redactor.redact(line)) }
    : destination;
  return pino(
    {
      level: options.level ?? process.env['MCP_AUTH_BROKER_LOG_LEVEL'] ?? 'info',
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      base: { pid: process.pid },
    },
    stream,
  );
}

/** A logger that drops everything (for tests that do not inspect the debug log). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
