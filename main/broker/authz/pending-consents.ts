import { randomInt } from 'node:crypto';

import type { ConsentRequest, ConsentState } from '../../contract/consent.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import { cliCommand } from '../runtime/cli-command.js';

/** Path prefix of the consent pages (oidc-provider's interaction URLs). */
export const INTERACTION_PREFIX = '/oauth/interaction';

/** An authorization request waiting on the person's decision. */
export type PendingConsent = ConsentRequest;
export type ConsentListener = (state: ConsentState, consent: PendingConsent) => void;

/** Which of the person's own channels answered: the desktop window, a browser-mode UI session, the CLI. */
export type ConsentChannel = 'window' | 'ui' | 'cli';

/** The person's answer, waiting for the requesting browser to come back for it. */
export type ConsentDecision = { state: 'granted'; scopes: string[] } | { state: 'denied' };

export interface ShownRequest {
  id: string;
  clientId: string;
  clientName: string;
  redirectHost: string;
  /** Server scopes asked for. */
  scopes: string[];
  /** Server scopes the person may grant (every configured server). */
  offered: string[];
  expiresAtMs: number;
}

/** Crockford-like alphabet: no 0/O, 1/I/L, so a code read aloud or retyped is unambiguous. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET.charAt(randomInt(CODE_ALPHABET.length));
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** `abcd efgh`, `ABCD-EFGH` and `abcdefgh` all name the same request. */
export function normalizeRequestCode(code: string): string {
  const bare = code.toUpperCase().replace(/[\s-]/g, '');
  return bare.length === CODE_LENGTH ? `${bare.slice(0, 4)}-${bare.slice(4)}` : bare;
}

interface Entry {
  consent: PendingConsent;
  offered: string[];
  timer: NodeJS.Timeout;
  decision?: ConsentDecision;
  /** The browser picked the decision up and the interaction was finished. */
  taken?: boolean;
}

/**
 * Consent requests of the broker's authorization server (RFC 6749 §4.1.1: the authorization request
 * needs the resource owner's decision), and the decisions on them. The consent page only shows a
 * request and its short request code; the decision comes from a channel only the person's own
 * session has — the desktop window, a browser-mode UI session, or the CLI over the 0600 control
 * socket (checklist SEC-1). The page, reloading itself, then picks the decision up with its
 * interaction cookie. Nothing here carries a code or token.
 */
export class PendingConsents {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<ConsentListener>();

  constructor(
    private readonly issuer: string,
    private readonly clock: Clock,
    private readonly audit?: AuditSink,
  ) {}

  /** The consent page for interaction `id` was shown; a second showing of the same one is ignored. */
  shown(request: ShownRequest): PendingConsent {
    const known = this.entries.get(request.id);
    if (known) return known.consent;
    let requestCode = newCode();
    while (this.byCode(requestCode)) requestCode = newCode();
    const consent: PendingConsent = {
      id: request.id,
      requestCode,
      clientId: request.clientId,
      clientName: request.clientName,
      redirectHost: request.redirectHost,
      scopes: request.scopes,
      url: `${this.issuer}${INTERACTION_PREFIX}/${encodeURIComponent(request.id)}`,
      expiresAt: new Date(request.expiresAtMs).toISOString(),
    };
    const ttl = Math.max(0, request.expiresAtMs - this.clock.now());
    const timer = setTimeout(() => this.expire(request.id), ttl);
    timer.unref();
    this.entries.set(request.id, { consent, offered: request.offered, timer });
    this.emit('pending', consent);
    return consent;
  }

  /**
   * The person approved request `code` from `via`, granting `scopes` (default: those asked for; only
   * configured servers count). Throws CONSENT_NOT_FOUND for an unknown or already answered code.
   */
  approve(code: string, via: ConsentChannel, scopes?: string[]): PendingConsent {
    const entry = this.undecided(code);
    const chosen = (scopes ?? entry.consent.scopes).filter((s) => entry.offered.includes(s));
    entry.decision = { state: 'granted', scopes: [...new Set(chosen)] };
    this.audit?.record({
      type: 'consent.granted',
      outcome: 'ok',
      client: entry.consent.clientId,
      clientId: entry.consent.clientId,
      message: `approved in the ${via}; scopes: ${chosen.join(' ') || '(none)'}`,
    });
    this.emit('granted', entry.consent);
    return entry.consent;
  }

  /** The person denied request `code` from `via`. */
  deny(code: string, via: ConsentChannel): PendingConsent {
    const entry = this.undecided(code);
    entry.decision = { state: 'denied' };
    this.recordDenied(entry.consent.clientId, `denied in the ${via}`);
    this.emit('denied', entry.consent);
    return entry.consent;
  }

  /** The requesting browser cancelled on the consent page itself (its own request: harmless). */
  cancelled(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.decision) return;
    entry.decision = { state: 'denied' };
    entry.taken = true;
    this.recordDenied(entry.consent.clientId, 'cancelled on the consent page');
    this.emit('denied', entry.consent);
  }

  /** The page's continuation: the decision on interaction `id`, handed out once. */
  take(id: string): ConsentDecision | 'pending' | 'taken' | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.taken) return 'taken';
    if (!entry.decision) return 'pending';
    entry.taken = true;
    return entry.decision;
  }

  /** The pending request of interaction `id`, if one is waiting. */
  get(id: string): PendingConsent | undefined {
    return this.entries.get(id)?.consent;
  }

  /** Requests still waiting for a decision, oldest first. */
  list(): PendingConsent[] {
    return [...this.entries.values()].filter((e) => !e.decision).map((e) => e.consent);
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ConsentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const { timer } of this.entries.values()) clearTimeout(timer);
    this.entries.clear();
    this.listeners.clear();
  }

  private byCode(code: string): Entry | undefined {
    const wanted = normalizeRequestCode(code);
    return [...this.entries.values()].find((e) => e.consent.requestCode === wanted);
  }

  private undecided(code: string): Entry {
    const entry = this.byCode(code);
    if (!entry || entry.decision)
      throw new BrokerError(
        'CONSENT_NOT_FOUND',
        `No consent request "${code}" is waiting (answered or expired?); see "${cliCommand('clients pending')}".`,
      );
    return entry;
  }

  private recordDenied(clientId: string, message: string): void {
    this.audit?.record({ type: 'consent.denied', outcome: 'denied', client: clientId, clientId, message });
  }

  private expire(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    if (!entry.decision) this.emit('expired', entry.consent);
  }

  private emit(state: ConsentState, consent: PendingConsent): void {
    for (const listener of this.listeners) {
      try {
        listener(state, consent);
      } catch {
        // A failing listener (a closed stream) must not stop the others.
      }
    }
  }
}
