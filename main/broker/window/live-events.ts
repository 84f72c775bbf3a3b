import type { AuditRecordView } from '../../contract/audit.js';
import type { Status } from '../../contract/status.js';
import type { BrokerEvent } from '../../contract/window-api.js';
import type { AuditRecord } from '../audit/audit-event.js';
import { followAudit } from '../audit/audit-read.js';

/** Coalesces bursts of server state changes into one status event per this many ms. */
const STATUS_DEBOUNCE_MS = 100;

/**
 * The live stream behind `BrokerApi.onEvent`: new audit records (followed from the log, so events
 * written by any part of the broker arrive) and server status changes. The audit follower runs only
 * while someone listens.
 */
export class LiveEvents {
  private readonly listeners = new Set<(event: BrokerEvent) => void>();
  private follow: AbortController | undefined;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly auditDir: string,
    private readonly status: () => Status,
  ) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.follow) {
      this.follow = new AbortController();
      followAudit(
        this.auditDir,
        (record) => this.emit({ type: 'audit', record: auditView(record) }),
        this.follow.signal,
      );
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopFollowing();
    };
  }

  /** Call when a server's state changed; listeners get one status event shortly after. */
  statusChanged(): void {
    if (this.listeners.size === 0 || this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.emit({ type: 'status', status: this.status() });
    }, STATUS_DEBOUNCE_MS);
    this.statusTimer.unref();
  }

  close(): void {
    this.listeners.clear();
    this.stopFollowing();
  }

  private stopFollowing(): void {
    this.follow?.abort();
    this.follow = undefined;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
  }

  private emit(event: BrokerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener (a closed stream) must not stop the others.
      }
    }
  }
}

/** An audit record as the contract carries it (the stored record already has the right shape). */
export function auditView(record: AuditRecord): AuditRecordView {
  return { ...record };
}
