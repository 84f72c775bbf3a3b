import type { ClientGrantSummary } from '../../contract/consent.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { AuthzStateStore } from './authz-state-store.js';
import type { ConsentRegistry } from './consent-registry.js';

function resourceScopes(grant: Record<string, unknown>): string[] {
  const resources = grant['resources'];
  if (typeof resources !== 'object' || resources === null) return [];
  return Object.values(resources as Record<string, unknown>)
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(' ').filter(Boolean));
}

/** Lists and revokes what clients were granted. */
export class ClientGrants {
  constructor(
    private readonly store: AuthzStateStore,
    private readonly consents: ConsentRegistry,
    private readonly audit: AuditSink,
  ) {}

  private clientIds(): Set<string> {
    const ids = new Set(this.store.entries('Client').map(([id]) => id));
    for (const [, grant] of this.store.entries('Grant')) {
      if (typeof grant['clientId'] === 'string') ids.add(grant['clientId']);
    }
    for (const [id] of this.store.entries('BrokerConsent')) ids.add(id);
    return ids;
  }

  /** Every client as `mcp-auth-broker clients` shows it. No token values, ever. */
  list(): ClientGrantSummary[] {
    return [...this.clientIds()].sort().map((clientId) => this.summary(clientId));
  }

  private summary(clientId: string): ClientGrantSummary {
    const client = this.store.get('Client', clientId);
    const consent = this.consents.get(clientId);
    const grants = this.store.entries('Grant').filter(([, g]) => g['clientId'] === clientId);
    const grantIds = new Set(grants.map(([id]) => id));
    const refreshTokens = this.store
      .entries('RefreshToken')
      .filter(([, t]) => grantIds.has(String(t['grantId'])) && !t['consumed']).length;
    const name = client?.['client_name'];
    return {
      clientId,
      ...(typeof name === 'string' ? { clientName: name } : {}),
      kind: client ? 'registered' : 'metadata-document',
      redirectUris: Array.isArray(client?.['redirect_uris'])
        ? (client['redirect_uris'] as string[])
        : (consent?.redirectUris ?? []),
      scopes: [...new Set(grants.flatMap(([, g]) => resourceScopes(g)))].sort(),
      grants: grants.length,
      refreshTokens,
      ...(consent ? { consentedAt: consent.grantedAt } : {}),
    };
  }

  /** Deletes one grant with every token issued under it (RFC 7009 revocation of an access token). */
  revokeGrant(grantId: string, clientId: string): void {
    const count = this.store.deleteWhere(
      (kind, p) => (kind === 'Grant' && p['jti'] === grantId) || p['grantId'] === grantId,
    );
    this.store.delete('Grant', grantId);
    this.audit.record({
      type: 'token.revoked',
      outcome: 'ok',
      client: clientId,
      clientId,
      message: `access token revoked by its client; grant and ${String(count)} record(s) deleted`,
    });
  }

  /**
   * Deletes every grant of `clientId` with its refresh tokens and codes, and the remembered consent,
   * so its access tokens fail verification at once (reason `revoked`) and the next authorization
   * asks the person again. The registration stays until it expires unapproved
   * (registration-limits.ts). Returns false for an unknown client.
   */
  revoke(clientId: string): { revoked: boolean; grants: number } {
    if (!this.clientIds().has(clientId)) return { revoked: false, grants: 0 };
    const grantIds = new Set(
      this.store
        .entries('Grant')
        .filter(([, g]) => g['clientId'] === clientId)
        .map(([id]) => id),
    );
    this.store.deleteWhere(
      (kind, p) =>
        (kind === 'Grant' && p['clientId'] === clientId) ||
        (typeof p['grantId'] === 'string' && grantIds.has(p['grantId'])),
    );
    this.consents.forget(clientId);
    this.audit.record({
      type: 'token.revoked',
      outcome: 'ok',
      client: clientId,
      clientId,
      message: `all grants revoked by the person (${String(grantIds.size)})`,
    });
    return { revoked: true, grants: grantIds.size };
  }
}
