import { BrokerError, type BrokerErrorCode } from './errors.js';

/**
 * What each BrokerError code means outside the process: the HTTP status the control socket and the
 * browser-mode API answer with, and the CLI exit code (README "Exit codes": 0 success, 1 error,
 * 2 usage, 3 `status` with no broker, 4 broken audit chain, 78 invalid config). One table, so an
 * error keeps its meaning whether the CLI acts directly or through the running broker.
 */
const TABLE: Record<BrokerErrorCode, { http: number; exit: number }> = {
  CONFIG_INVALID: { http: 400, exit: 78 },
  CONFIG_UNREADABLE: { http: 500, exit: 1 },
  SECRET_STORE_UNAVAILABLE: { http: 503, exit: 1 },
  SECRET_NOT_FOUND: { http: 404, exit: 1 },
  SECRET_NAME_INVALID: { http: 400, exit: 1 },
  SECRET_PASSPHRASE_MISSING: { http: 503, exit: 1 },
  SECRET_FILE_CORRUPT: { http: 500, exit: 1 },
  LOCK_HELD: { http: 409, exit: 1 },
  PORT_IN_USE: { http: 409, exit: 1 },
  BROKER_UNREACHABLE: { http: 503, exit: 1 },
  SERVER_UNAVAILABLE: { http: 503, exit: 1 },
  SERVER_NOT_FOUND: { http: 404, exit: 1 },
  TOOL_NOT_FOUND: { http: 404, exit: 1 },
  TOOL_DENIED: { http: 403, exit: 1 },
  AUDIT_CHAIN_BROKEN: { http: 500, exit: 4 },
  PROVIDER_NOT_FOUND: { http: 404, exit: 1 },
  PROVIDER_CONFIG_INVALID: { http: 400, exit: 1 },
  PROVIDER_DISCOVERY_FAILED: { http: 502, exit: 1 },
  SIGNIN_FAILED: { http: 502, exit: 1 },
  SIGNIN_NEEDED: { http: 401, exit: 1 },
  TOKEN_REFRESH_FAILED: { http: 502, exit: 1 },
  IMPORT_INVALID: { http: 400, exit: 1 },
  SERVER_EXISTS: { http: 409, exit: 1 },
  CLIENT_CONFIG_INVALID: { http: 409, exit: 1 },
  BACKUP_UNREADABLE: { http: 500, exit: 1 },
  BACKUP_NOT_FOUND: { http: 404, exit: 1 },
  FEATURE_UNAVAILABLE: { http: 501, exit: 1 },
  CLIENT_NOT_FOUND: { http: 404, exit: 1 },
  CONSENT_NOT_FOUND: { http: 404, exit: 1 },
  USAGE: { http: 400, exit: 2 },
  PATH_UNSAFE: { http: 500, exit: 1 },
  BROKER_STARTING: { http: 503, exit: 1 },
  INTERNAL: { http: 500, exit: 1 },
  UPSTREAM_INSECURE_URL: { http: 400, exit: 1 },
  UPSTREAM_AUTH_FAILED: { http: 502, exit: 1 },
  UPSTREAM_UNREACHABLE: { http: 502, exit: 1 },
};

/** Codes of the HTTP APIs that are not BrokerError codes (request shape, routing, sessions). */
const API_ONLY_HTTP: Record<string, number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
};

/** True when `code` is one of the broker's error codes. */
export function isBrokerErrorCode(code: unknown): code is BrokerErrorCode {
  return typeof code === 'string' && Object.hasOwn(TABLE, code);
}

/** HTTP status for an error code (500 for anything unknown). */
export function httpStatusForCode(code: string): number {
  if (isBrokerErrorCode(code)) return TABLE[code].http;
  return API_ONLY_HTTP[code] ?? 500;
}

/** The stable code of a thrown value: its BrokerError code, else INTERNAL. */
export function codeOf(error: unknown): BrokerErrorCode {
  return error instanceof BrokerError ? error.code : 'INTERNAL';
}

/** CLI exit code for a thrown value (README "Exit codes"). */
export function exitCodeFor(error: unknown): number {
  return TABLE[codeOf(error)].exit;
}

/**
 * Rebuilds the broker's error from a control-socket answer `{code, message}` so the CLI exits and
 * branches as if the error had been thrown here. An unknown code (e.g. an older broker) becomes
 * INTERNAL; an unknown route's NOT_FOUND or METHOD_NOT_ALLOWED too, since the CLI only calls routes
 * it knows.
 */
export function errorFromAnswer(status: number, body: unknown): BrokerError {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const message =
    typeof answer.message === 'string' && answer.message
      ? answer.message
      : `The broker answered HTTP ${String(status)}.`;
  return new BrokerError(isBrokerErrorCode(answer.code) ? answer.code : 'INTERNAL', message);
}
