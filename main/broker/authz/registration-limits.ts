import type Provider from 'oidc-provider';

import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import type { RefusalAudit } from '../net/refusal-audit.js';
import type { AuthzStateStore } from './authz-state-store.js';

/** Limits on RFC 7591 dynamic registration, which needs no authentication (SEC-8). */
export interface RegistrationLimits {
  /** Registration requests accepted per rolling minute. */
  perMinute: number;
  /** Registered clients the person has not approved yet (no consent, no grant) kept at once. */
  maxUnapproved: number;
  /** An unapproved registration is deleted this long after it was made (ms). */
  unapprovedTtlMs: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = {
  perMinute: 20,
  maxUnapproved: 100,
  unapprovedTtlMs: 24 * 3600_000,
};

const WINDOW_MS = 60_000;

export interface RegistrationGuardDeps {
  state: AuthzStateStore;
  clock: Clock;
  audit: AuditSink;
  /** Where refusals go: the loopback server's aggregated refusal audit (one line per burst, counted). */
  refusals: Pick<RefusalAudit, 'record'>;
  /** The registration endpoint's path (`/oauth/register`). */
  path: string;
  limits?: RegistrationLimits;
}

/** What the guard decided for one registration request. */
export type RegistrationDecision =
  { ok: true } | { ok: false; retryAfterSeconds: number; description: string };

/**
 * Bounds dynamic registration: at most `perMinute` requests in any rolling minute, and at most
 * `maxUnapproved` registered clients that no person approved yet; unapproved registrations older than
 * `unapprovedTtlMs` are deleted before the count. Without it any local process could register clients
 * without end, growing the authorization server's state file and the Clients screen.
 */
export class RegistrationGuard {
  private readonly recent: number[] = [];
  private readonly limits: RegistrationLimits;

  constructor(private readonly deps: RegistrationGuardDeps) {
    this.limits = deps.limits ?? DEFAULT_REGISTRATION_LIMITS;
  }

  private approved(clientId: string): boolean {
    const { state } = this.deps;
    if (state.get('BrokerConsent', clientId)) return true;
    return state.entries('Grant').some(([, grant]) => grant['clientId'] === clientId);
  }

  /** Deletes unapproved registrations past their lifetime; returns the unapproved ones left. */
  private sweepUnapproved(now: number): number {
    let left = 0;
    let expired = 0;
    for (const [id, client] of this.deps.state.entries('Client')) {
      if (this.approved(id)) continue;
      const issuedAt = typeof client['client_id_issued_at'] === 'number' ? client['client_id_issued_at'] : 0;
      if (now - issuedAt * 1000 >= this.limits.unapprovedTtlMs) {
        this.deps.state.delete('Client', id);
        expired += 1;
      } else left += 1;
    }
    if (expired > 0)
      this.deps.audit.record({
        type: 'client.registered',
        outcome: 'ok',
        message: `${String(expired)} unapproved registration(s) expired`,
      });
    return left;
  }

  /** Counts one registration request and says whether it may go on. */
  admit(): RegistrationDecision {
    const now = this.deps.clock.now();
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= now - WINDOW_MS) this.recent.shift();
    if (this.recent.length >= this.limits.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((this.recent[0] ?? now) + WINDOW_MS - now) / 1000));
      return this.refuse(
        retryAfterSeconds,
        `more than ${String(this.limits.perMinute)} registrations a minute`,
      );
    }
    this.recent.push(now);
    if (this.sweepUnapproved(now) >= this.limits.maxUnapproved) {
      return this.refuse(
        3600,
        `${String(this.limits.maxUnapproved)} registered clients are waiting for approval; ` +
          'approve or remove some (mcp-auth-broker clients) or wait for them to expire',
      );
    }
    return { ok: true };
  }

  private refuse(retryAfterSeconds: number, why: string): RegistrationDecision {
    // Counted with every other refused unauthenticated request: a flood must not flood the log.
    this.deps.refusals.record('client.registered:refused', {
      type: 'client.registered',
      outcome: 'denied',
      errorCode: 'temporarily_unavailable',
      message: `registration refused: ${why}`,
    });
    return { ok: false, retryAfterSeconds, description: `Registration refused: ${why}.` };
  }

  /** Runs the guard in front of oidc-provider's registration endpoint: 429 + Retry-After when refused. */
  mount(provider: Provider): void {
    provider.use(async (ctx, next) => {
      if (ctx.method === 'POST' && ctx.path === this.deps.path) {
        const decision = this.admit();
        if (!decision.ok) {
          ctx.status = 429;
          ctx.set('Retry-After', String(decision.retryAfterSeconds));
          ctx.set('Cache-Control', 'no-store');
          ctx.body = { error: 'temporarily_unavailable', error_description: decision.description };
          return;
        }
      }
      await next();
    });
  }
}
