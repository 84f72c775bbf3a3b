import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

import type { ServerState } from '../../contract/status.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import type { Logger } from '../base/logger.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { ProviderCredentials } from './child-env.js';
import { type BackoffTiming, DEFAULT_BACKOFF } from './restart-backoff.js';
import type { ServerLogs } from './server-logs.js';

/** Where one upstream server is in its life. */
export type UpstreamState = ServerState;

/** Backoff and waiting times of upstream servers; tests shrink them. */
export interface UpstreamTiming extends BackoffTiming {
  /** How long a call waits for a server that is starting or restarting (ms; 15 s by default). */
  startWaitMs: number;
  /** Timeout of `initialize` and of the list requests that follow it (ms; 30 s by default). */
  startTimeoutMs: number;
  /**
   * How long a restart between calls (credential rotation) waits for calls in flight (ms; 5 s by
   * default). Calls still running then are failed with an error saying so, and new calls go on.
   */
  drainTimeoutMs: number;
  /**
   * Stopping a stdio server: how long it gets to leave after its stdin closes, and again after
   * SIGTERM to its process group, before SIGKILL (ms; 2 s by default).
   */
  stopGraceMs: number;
  /**
   * A stdio server that failed this many tries in a row (failed starts, or runs shorter than
   * `resetAfterMs`) is stopped and shown as failed until the person restarts it (5 by default).
   */
  crashLoopLimit: number;
}

export const DEFAULT_UPSTREAM_TIMING: UpstreamTiming = {
  ...DEFAULT_BACKOFF,
  startWaitMs: 15_000,
  startTimeoutMs: 30_000,
  drainTimeoutMs: 5_000,
  stopGraceMs: 2_000,
  crashLoopLimit: 5,
};

/** A `notifications/message` from an upstream server, payload redacted. */
export interface UpstreamLogMessage {
  server: string;
  level: LoggingLevel;
  logger?: string;
  data: unknown;
}

/** Events of one upstream server; the gateway re-emits them. */
export interface UpstreamEvents {
  toolsChanged: [];
  promptsChanged: [];
  resourcesChanged: [];
  statusChanged: [];
  log: [UpstreamLogMessage];
}

/** What an upstream server needs from the broker. */
export interface UpstreamDeps {
  secrets: SecretStore;
  /** Access tokens of provider accounts referenced as `{"provider": …}` in env (issue 3). */
  credentials?: ProviderCredentials | undefined;
  audit: AuditSink;
  logger: Logger;
  clock: Clock;
  redactor: SecretRedactor;
  timing: UpstreamTiming;
  /** Where stdio servers' stderr is kept on disk (issue 15 point 3); none: memory tail only. */
  serverLogs?: ServerLogs | undefined;
  /** Sent to the server in `initialize`. */
  clientInfo: { name: string; version: string };
}
