import type { AuditSink } from '../audit/audit-event.js';
import type { ChildExit } from './observed-stdio-transport.js';

/**
 * The audit records of an upstream server's life: start (with the pid), which secrets reached it
 * (names only), failed starts, crashes and stops. Messages are already redacted by the caller.
 */
export interface UpstreamAuditor {
  started(pid: number | undefined, secretNames: readonly string[]): void;
  startFailed(errorCode: string, message: string): void;
  crashed(exit: ChildExit | undefined, message: string): void;
  stopped(pid: number): void;
  /** The broker stopped retrying a server that failed `tries` times in a row (once per give-up). */
  gaveUp(tries: number, message: string): void;
}

/** Audit records for the server named `server`. */
export function upstreamAuditor(audit: AuditSink, server: string): UpstreamAuditor {
  return {
    started(pid, secretNames) {
      const pidText = pid === undefined ? 'unknown' : String(pid);
      audit.record({ type: 'server.start', outcome: 'ok', server, message: `started, pid ${pidText}` });
      for (const secretName of secretNames) {
        const message = `injected into pid ${pidText}`;
        audit.record({ type: 'server.credential', outcome: 'ok', server, secretName, message });
      }
    },
    startFailed(errorCode, message) {
      audit.record({ type: 'server.start_failed', outcome: 'error', server, errorCode, message });
    },
    crashed(exit, message) {
      const code = exit?.code ?? exit?.signal ?? undefined;
      audit.record({
        type: 'server.crash',
        outcome: 'error',
        server,
        ...(code === undefined ? {} : { errorCode: code }),
        message,
      });
    },
    gaveUp(tries, message) {
      const errorCode = 'CRASH_LOOP';
      audit.record({ type: 'server.gave_up', outcome: 'error', server, errorCode, message, count: tries });
    },
    stopped(pid) {
      audit.record({ type: 'server.exit', outcome: 'ok', server, message: `stopped, pid ${pid}` });
    },
  };
}
