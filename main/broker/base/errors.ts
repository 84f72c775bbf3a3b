/**
 * Typed errors of the broker core. Every error carries a stable `code` that scripts and the UI can
 * branch on; its message says what went wrong and what the person can do about it. Messages never
 * contain secret values (callers pass names, never values).
 */
export type BrokerErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'SECRET_STORE_UNAVAILABLE'
  | 'SECRET_NOT_FOUND'
  | 'SECRET_NAME_INVALID'
  | 'SECRET_PASSPHRASE_MISSING'
  | 'SECRET_FILE_CORRUPT'
  | 'LOCK_HELD'
  | 'PORT_IN_USE'
  | 'BROKER_UNREACHABLE'
  | 'SERVER_UNAVAILABLE'
  | 'SERVER_NOT_FOUND'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_DENIED'
  | 'AUDIT_CHAIN_BROKEN'
  | 'PROVIDER_NOT_FOUND'
  | 'PROVIDER_CONFIG_INVALID'
  | 'PROVIDER_DISCOVERY_FAILED'
  | 'SIGNIN_FAILED'
  | 'SIGNIN_NEEDED'
  | 'TOKEN_REFRESH_FAILED'
  | 'IMPORT_INVALID'
  | 'SERVER_EXISTS'
  | 'CLIENT_CONFIG_INVALID'
  | 'BACKUP_UNREADABLE'
  | 'BACKUP_NOT_FOUND'
  | 'FEATURE_UNAVAILABLE'
  | 'CLIENT_NOT_FOUND'
  /** No consent request waits under that request code (SEC-1). */
  | 'CONSENT_NOT_FOUND'
  | 'USAGE'
  /** A socket, folder or state file is not private to this user (symlink, other owner, loose mode). */
  | 'PATH_UNSAFE'
  /** The broker holds its lock but is still starting (servers, HTTP features). */
  | 'BROKER_STARTING'
  /** Anything unexpected (a bug); the message says what failed. */
  | 'INTERNAL'
  /** Remote MCP servers (issue 5). */
  | 'UPSTREAM_INSECURE_URL'
  | 'UPSTREAM_AUTH_FAILED'
  | 'UPSTREAM_UNREACHABLE';

export class BrokerError extends Error {
  readonly code: BrokerErrorCode;

  constructor(code: BrokerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerError';
    this.code = code;
  }
}

/** True when `error` is a BrokerError with the given code. */
export function isBrokerError(error: unknown, code?: BrokerErrorCode): error is BrokerError {
  return error instanceof BrokerError && (code === undefined || error.code === code);
}

/** Message of any thrown value, for places that must turn it into text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
