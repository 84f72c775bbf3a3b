import type Provider from 'oidc-provider';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';

import type { AuditSink } from '../audit/audit-event.js';

function clientOf(ctx: KoaContextWithOIDC | undefined): string | undefined {
  const fromClient = ctx?.oidc.client?.clientId;
  const fromParams = ctx?.oidc.params?.['client_id'];
  return fromClient ?? (typeof fromParams === 'string' ? fromParams : undefined);
}

/** The OAuth client id, in `clientId` (its own field, SEC-7) and as the display `client`. */
function withClient(ctx: KoaContextWithOIDC | undefined): { client?: string; clientId?: string } {
  const client = clientOf(ctx);
  return client === undefined ? {} : { client, clientId: client };
}

interface OAuthErrorLike {
  error?: unknown;
  error_description?: unknown;
  message?: unknown;
}

function describe(err: OAuthErrorLike): { errorCode: string; message: string } {
  const code = typeof err.error === 'string' ? err.error : 'server_error';
  const description = typeof err.error_description === 'string' ? err.error_description : code;
  return { errorCode: code, message: description.slice(0, 200) };
}

/**
 * Sends the authorization server's events to the audit log: registrations, tokens issued and
 * refreshed, grants revoked (revocation endpoint, refresh-token or code reuse), and every refused
 * authorization or token request with its OAuth error code. Never a token, code or verifier value.
 */
export function auditProviderEvents(provider: Provider, audit: AuditSink): void {
  provider.on('registration_create.success', (_ctx: KoaContextWithOIDC, client: Client) => {
    audit.record({
      type: 'client.registered',
      outcome: 'ok',
      client: client.clientId,
      clientId: client.clientId,
      message: `dynamic registration${client.clientName ? `: ${client.clientName}` : ''}`,
    });
  });
  provider.on('registration_create.error', (ctx: KoaContextWithOIDC, err: OAuthErrorLike) => {
    audit.record({ type: 'client.registered', outcome: 'denied', ...withClient(ctx), ...describe(err) });
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const refreshed = ctx.oidc.params?.['grant_type'] === 'refresh_token';
    audit.record({
      type: refreshed ? 'token.refreshed' : 'token.issued',
      outcome: 'ok',
      ...withClient(ctx),
      message: `scope: ${ctx.oidc.accessToken?.scope ?? '(none)'}`,
    });
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: OAuthErrorLike) => {
    audit.record({ type: 'token.denied', outcome: 'denied', ...withClient(ctx), ...describe(err) });
  });
  provider.on('authorization.error', (ctx: KoaContextWithOIDC, err: OAuthErrorLike) => {
    audit.record({ type: 'authorization.denied', outcome: 'denied', ...withClient(ctx), ...describe(err) });
  });
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC | undefined) => {
    audit.record({
      type: 'token.revoked',
      outcome: 'ok',
      ...withClient(ctx),
      message: `grant revoked (${ctx?.oidc.route ?? 'broker'})`,
    });
  });
  provider.on('revocation.error', (ctx: KoaContextWithOIDC, err: OAuthErrorLike) => {
    audit.record({ type: 'token.revoked', outcome: 'error', ...withClient(ctx), ...describe(err) });
  });
}
