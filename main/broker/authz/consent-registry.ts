import type { Clock } from '../base/clock.js';
import type { AuthzStateStore } from './authz-state-store.js';

const KIND = 'BrokerConsent';

/** A remembered consent: which servers a client may use, and for which exact redirect URIs. */
export interface ConsentRecord {
  clientId: string;
  grantId: string;
  scopes: string[];
  redirectUris: string[];
  grantedAt: string;
}

function asRecord(payload: Record<string, unknown> | undefined): ConsentRecord | undefined {
  return payload as ConsentRecord | undefined;
}

/** Remembered consents, kept in the encrypted authorization-server state. */
export class ConsentRegistry {
  constructor(
    private readonly store: AuthzStateStore,
    private readonly clock: Clock,
  ) {}

  get(clientId: string): ConsentRecord | undefined {
    return asRecord(this.store.get(KIND, clientId));
  }

  /** The grant id of a remembered consent covering `scopes` for exactly `redirectUri`, if any. */
  covering(clientId: string, redirectUri: string, scopes: string[]): Promise<string | undefined> {
    const record = this.get(clientId);
    const ok =
      record !== undefined &&
      record.redirectUris.includes(redirectUri) &&
      scopes.every((s) => record.scopes.includes(s)) &&
      this.store.get('Grant', record.grantId) !== undefined;
    return Promise.resolve(ok ? record.grantId : undefined);
  }

  remember(clientId: string, redirectUri: string, grantId: string, scopes: string[]): Promise<void> {
    const previous = this.get(clientId);
    const sameScopes =
      previous !== undefined &&
      previous.scopes.length === scopes.length &&
      scopes.every((s) => previous.scopes.includes(s));
    const redirectUris = new Set([redirectUri, ...(sameScopes ? previous.redirectUris : [])]);
    const record: ConsentRecord = {
      clientId,
      grantId,
      scopes,
      redirectUris: [...redirectUris],
      grantedAt: new Date(this.clock.now()).toISOString(),
    };
    this.store.set(KIND, clientId, { ...record });
    return Promise.resolve();
  }

  forget(clientId: string): boolean {
    return this.store.delete(KIND, clientId);
  }
}
