import type { Clock } from '../clock.js';
import { INTERACTION_PREFIX } from './consent-interaction.js';

/** An authorization request waiting on the person at the broker's consent page. */
export interface PendingConsent {
  /** The interaction id (the consent page's path segment). */
  id: string;
  clientId: string;
  clientName: string;
  /** `http://127.0.0.1:<port>/oauth/interaction/<id>`: the consent page, on the broker's own origin. */
  url: string;
  expiresAt: string;
}

export type ConsentState = 'pending' | 'granted' | 'denied' | 'expired';
export type ConsentListener = (state: ConsentState, consent: PendingConsent) => void;

/**
 * Consent requests the broker's authorization server is showing right now, so the desktop app and
 * the window can tell the person an MCP client is waiting (RFC 6749 §4.1.1: the authorization
 * request needs the resource owner's decision). Only names and the page URL are kept — the page
 * itself still needs the browser's interaction cookie, and no code or token passes through here.
 */
export class PendingConsents {
  private readonly pending = new Map<string, { consent: PendingConsent; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<ConsentListener>();

  constructor(
    private readonly issuer: string,
    private readonly clock: Clock,
  ) {}

  /** The consent page for interaction `id` was shown; a second showing of the same one is ignored. */
  shown(request: { id: string; clientId: string; clientName: string; expiresAtMs: number }): void {
    if (this.pending.has(request.id)) return;
    const consent: PendingConsent = {
      id: request.id,
      clientId: request.clientId,
      clientName: request.clientName,
      url: `${this.issuer}${INTERACTION_PREFIX}/${encodeURIComponent(request.id)}`,
      expiresAt: new Date(request.expiresAtMs).toISOString(),
    };
    const ttl = Math.max(0, request.expiresAtMs - this.clock.now());
    const timer = setTimeout(() => this.settle(request.id, 'expired'), ttl);
    timer.unref();
    this.pending.set(request.id, { consent, timer });
    this.emit('pending', consent);
  }

  /** The person answered the consent page for interaction `id`. */
  settled(id: string, state: 'granted' | 'denied'): void {
    this.settle(id, state);
  }

  /** Requests still waiting, oldest first. */
  list(): PendingConsent[] {
    return [...this.pending.values()].map((p) => p.consent);
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ConsentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.listeners.clear();
  }

  private settle(id: string, state: Exclude<ConsentState, 'pending'>): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    this.emit(state, entry.consent);
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
