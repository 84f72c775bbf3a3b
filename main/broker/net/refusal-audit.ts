import type { AuditEventInput, AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';

export interface RefusalAuditOptions {
  audit: AuditSink;
  clock: Clock;
  /** How long repeats are folded into one summary record. */
  windowMs?: number;
  /** Keys tracked at once; beyond it, refusals share one overflow key (keys are meant to be a fixed set). */
  maxKeys?: number;
}

interface Pending {
  windowStart: number;
  /** Refusals since the last record written for this key. */
  repeats: number;
  last: AuditEventInput;
}

const OVERFLOW_KEY = 'overflow';

/**
 * Audits refused unauthenticated requests without letting a flood grow the log: for each key (a
 * refusal kind from a small fixed set, e.g. `http.denied:host`, never text from the request), the first
 * refusal is recorded at once; repeats within the window are counted, and one summary record per key
 * and window carries their `count` and the latest refusal's details. A sustained flood therefore writes
 * one line per key per minute; a single stray request still writes its own line immediately.
 */
export class RefusalAudit {
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RefusalAuditOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 64;
  }

  /** Records (or counts) one refusal of kind `key`. */
  record(key: string, event: AuditEventInput): void {
    const now = this.options.clock.now();
    this.flushKey(key, now);
    const k = this.pending.has(key) || this.pending.size < this.maxKeys ? key : OVERFLOW_KEY;
    const open = this.pending.get(k);
    if (open) {
      open.repeats += 1;
      open.last = event;
      return;
    }
    this.pending.set(k, { windowStart: now, repeats: 0, last: event });
    this.options.audit.record(event);
  }

  /** Writes the summary of every window that has ended (all of them when `all`). */
  flush(all = false): void {
    const now = this.options.clock.now();
    for (const key of [...this.pending.keys()]) this.flushKey(key, now, all);
  }

  /** Flushes ended windows periodically, so a flood that stops is still summarized within a window. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), Math.min(this.windowMs, 10_000));
    this.timer.unref();
  }

  /** Writes what is pending and stops the timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush(true);
  }

  private flushKey(key: string, now: number, force = false): void {
    const open = this.pending.get(key);
    if (!open || (!force && now - open.windowStart < this.windowMs)) return;
    if (open.repeats === 0) {
      this.pending.delete(key);
      return;
    }
    const seconds = Math.round((now - open.windowStart) / 1000);
    this.options.audit.record({
      ...open.last,
      count: open.repeats,
      message: `${String(open.repeats)} more like this in ${String(seconds)} s, the latest: ${open.last.message ?? ''}`,
    });
    // The flood may go on: keep the key, counting afresh, so it writes at most one summary per window.
    if (force) this.pending.delete(key);
    else this.pending.set(key, { windowStart: now, repeats: 0, last: open.last });
  }
}
