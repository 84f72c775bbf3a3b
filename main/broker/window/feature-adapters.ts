import type { ApiOutput } from '../../contract/window-api.js';
import type { ApiKeysApi, ClientGrantsApi } from '../authz/authorization-server.js';
import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import type { ProviderConfig } from '../providers/provider-config.js';
import type { ProviderService } from '../providers/provider-service.js';
import type { SignInEvent } from '../providers/sign-in-events.js';
import { cliCommand } from '../runtime/cli-command.js';
import type { ClientsFeature, ProvidersFeature } from './broker-features.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** What a sign-in started from the window shows first: the device code, or the page to open. */
type FirstStep = ApiOutput<'signIn'>;

/**
 * Provider sign-in (issue #3) as the window sees it. A sign-in runs in the background; `signIn`
 * resolves with its first step (the device code to show, or the browser page to open), and the
 * outcome arrives as `provider.signin` / `provider.signin_failed` audit events on the live stream.
 */
export function providersFeature(
  service: ProviderService,
  configured: Record<string, ProviderConfig>,
  clock: Clock,
): ProvidersFeature {
  const running = new Map<string, Promise<FirstStep>>();
  const start = (provider: string): Promise<FirstStep> =>
    new Promise<FirstStep>((resolve, reject) => {
      const onEvent = (event: SignInEvent) => {
        if (event.event === 'device_code') {
          resolve({
            verificationUri: event.verificationUri,
            ...(event.verificationUriComplete === undefined
              ? {}
              : { verificationUriComplete: event.verificationUriComplete }),
            userCode: event.userCode,
            expiresAt: new Date(clock.now() + event.expiresInS * 1000).toISOString(),
          });
        } else if (event.event === 'browser') resolve({ verificationUri: event.url });
        else if (event.event === 'failure') reject(new BrokerError('SIGNIN_FAILED', event.message));
      };
      void service
        .provider(provider)
        .then((resolved) => {
          const device = resolved.config.serverMetadata().device_authorization_endpoint !== undefined;
          return service.login(provider, { mode: device ? 'device' : 'browser', onEvent });
        })
        .then(() => resolve({}), reject)
        .finally(() => running.delete(provider));
    });
  return {
    listProviders: () => {
      const accounts = service.store.list();
      return Promise.resolve(
        Object.entries(configured).map(([id, config]) => ({
          id,
          name: config.preset ? `${config.preset.charAt(0).toUpperCase()}${config.preset.slice(1)}` : id,
          flows: ['device', 'pkce'] as ('device' | 'pkce')[],
          accounts: accounts
            .filter((a) => a.provider === id)
            .map((a) => ({ id: a.account, label: a.subject ?? a.account, status: a.status })),
        })),
      );
    },
    signIn: (provider) => {
      let first = running.get(provider);
      if (!first) {
        first = start(provider);
        running.set(provider, first);
      }
      return first;
    },
    signOut: async (account) => {
      await service.logout(account);
    },
    listTokens: async () =>
      (await service.list()).map((a) => ({
        id: a.account,
        provider: a.provider,
        account: a.subject ?? a.account,
        masked: a.accessToken ?? '(none stored)',
        scopes: a.scopes,
        ...(a.expiresAt === undefined ? {} : { expiresAt: iso(a.expiresAt) ?? '' }),
        refreshable: a.hasRefreshToken,
      })),
    refreshToken: async (id) => {
      await service.refresher.refresh(id);
    },
    revokeToken: async (id) => {
      await service.logout(id);
    },
  };
}

/** Clients approved by the broker's authorization server (issue #4) and API keys (issue 13.7). */
export function clientsFeature(grants: ClientGrantsApi, apiKeys: ApiKeysApi): ClientsFeature {
  return {
    listClients: () =>
      Promise.resolve(
        grants.list().map((c) => ({
          clientId: c.clientId,
          name: c.clientName ?? c.clientId,
          grants: c.scopes,
          ...(c.consentedAt === undefined ? {} : { approvedAt: c.consentedAt }),
        })),
      ),
    revokeClient: (clientId) => {
      const result = grants.revoke(clientId);
      if (!result.revoked) {
        return Promise.reject(
          new BrokerError(
            'CLIENT_NOT_FOUND',
            `No OAuth client "${clientId}"; see "${cliCommand('clients')}".`,
          ),
        );
      }
      return Promise.resolve();
    },
    listApiKeys: () => Promise.resolve(apiKeys.list()),
    revokeApiKey: (name) =>
      apiKeys.revoke(name)
        ? Promise.resolve()
        : Promise.reject(
            new BrokerError('CLIENT_NOT_FOUND', `No API key "${name}"; see "mcp-auth-broker keys list".`),
          ),
  };
}
