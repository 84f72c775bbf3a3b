import type { AuditHealth } from '../../contract/audit.js';
import { messageOf } from '../base/errors.js';
import type { AuditEventInput } from './audit-event.js';

/**
 * Records the audit log could not write (a full or read-only disk), so the broker keeps serving
 * and the log says what it missed: once a write succeeds again, {@link gapEvent} is written first.
 */
export class AuditGap {
  private failure: { error: string; since: string; last: string; lost: number } | undefined;

  /** Counts one lost record, written at `time` (ISO), that failed with `error`. */
  lost(error: unknown, time: string): void {
    const text = messageOf(error);
    if (this.failure === undefined) this.failure = { error: text, since: time, last: time, lost: 1 };
    else Object.assign(this.failure, { error: text, last: time, lost: this.failure.lost + 1 });
  }

  /** The `audit.gap` event to write before the next record, when records were lost. */
  gapEvent(): AuditEventInput | undefined {
    const f = this.failure;
    if (f === undefined) return undefined;
    return {
      type: 'audit.gap',
      outcome: 'error',
      message: `${String(f.lost)} record(s) could not be written between ${f.since} and ${f.last}: ${f.error}`,
    };
  }

  /** The gap record was written. */
  closed(): void {
    this.failure = undefined;
  }

  /** The keychain anchor could not be written (the log itself still is). */
  anchorFailed(error: unknown): void {
    this.anchorError = messageOf(error);
  }

  private anchorError: string | undefined;

  health(): AuditHealth {
    if (this.failure === undefined && this.anchorError !== undefined)
      return { writable: true, error: `keychain anchor not updated: ${this.anchorError}` };
    const f = this.failure;
    return f === undefined
      ? { writable: true }
      : { writable: false, error: f.error, since: f.since, lost: f.lost };
  }
}
