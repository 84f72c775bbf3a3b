import type { Status } from '../../contract/status.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { AuthorizationServer } from '../authz/authorization-server.js';
import type { PendingConsents } from '../authz/pending-consents.js';
import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import type { Gateway } from '../gateway/gateway.js';
import type { ProviderService } from '../providers/provider-service.js';
import type { SignInListener } from '../providers/sign-in-events.js';
import { cliCommand } from '../runtime/cli-command.js';
import { assertSecretName, type SecretStore } from '../secrets/secret-store.js';
import type { RemoteServers } from '../upstream-oauth/remote-servers.js';
import type { ServerLogs } from '../upstreams/server-logs.js';
import type { BrowserUi } from '../window/browser-ui.js';
import type { BrokerControl } from './control-api.js';

/** The few parts of the running broker the control methods reach (the composition root wires them). */
export interface BrokerControlPorts {
  /** The broker's status, as `mcp-auth-broker status` and the window show it. */
  status: () => Status;
  store: SecretStore;
  audit: AuditSink;
  gateway: Pick<Gateway, 'status' | 'serversUsingSecret' | 'restartServer'>;
  providers: Pick<ProviderService, 'login' | 'logout' | 'list'>;
  remote: Pick<RemoteServers, 'signInFailed' | 'signedIn'>;
  serverLogs: Pick<ServerLogs, 'tail' | 'follow'>;
  /** The HTTP features (authorization server, window); `undefined` until they are mounted. */
  authz: () => AuthorizationServer | undefined;
  ui: () => BrowserUi | undefined;
}

/**
 * What the CLI (over the 0600 control socket) and in-process callers can ask of the running broker:
 * secrets, restarts, provider sign-in, browser-mode links, imports, OAuth clients and consents.
 */
export function createBrokerControl(ports: BrokerControlPorts): BrokerControl {
  const { store, audit, gateway } = ports;
  const ui = (): BrowserUi => {
    const found = ports.ui();
    if (!found) throw new BrokerError('FEATURE_UNAVAILABLE', 'Browser mode is not running.');
    return found;
  };
  const configured = (name: string): string => {
    if (!gateway.status().some((s) => s.name === name))
      throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
    return name;
  };
  const authz = (): AuthorizationServer => {
    const found = ports.authz();
    if (!found) throw new BrokerError('FEATURE_UNAVAILABLE', 'The authorization server is not running.');
    return found;
  };
  const consents = (): PendingConsents => authz().pendingConsents;
  return {
    status: ports.status,
    listSecrets: () => store.list(),
    /** Stores a secret and restarts the servers that use it, so they pick up the new value. */
    async setSecret(name: string, value: string) {
      assertSecretName(name);
      await store.set(name, value);
      audit.record({ type: 'secret.set', outcome: 'ok', secretName: name });
      const restarted = gateway.serversUsingSecret(name);
      await Promise.all(restarted.map((server) => gateway.restartServer(server)));
      return { restarted };
    },
    async deleteSecret(name: string) {
      assertSecretName(name);
      const deleted = await store.delete(name);
      audit.record({ type: 'secret.delete', outcome: deleted ? 'ok' : 'error', secretName: name });
      return deleted;
    },
    async restartServer(name: string) {
      await gateway.restartServer(configured(name));
    },
    serverLog: (name: string, lines: number) => ports.serverLogs.tail(configured(name), lines),
    followServerLog: (name: string, listener: (lines: string[]) => void, ended: () => void) =>
      ports.serverLogs.follow(configured(name), listener, ended),
    /** Signs a provider account in here, in the one broker process (`login`), streaming events. */
    async providerLogin(
      account: string,
      mode: 'device' | 'browser',
      onEvent: SignInListener,
      signal: AbortSignal,
    ) {
      try {
        await ports.providers.login(account, { mode, onEvent, signal });
      } catch (error) {
        const code = isBrokerError(error) ? error.code : 'SIGNIN_FAILED';
        ports.remote.signInFailed(account, code, messageOf(error));
        throw error;
      }
      await ports.remote.signedIn(account);
    },
    providerLogout: (account: string) => ports.providers.logout(account),
    providerTokens: () => ports.providers.list(),
    uiLoginUrl: () => ui().loginUrl(),
    importServers: (input) => ui().api.runImport(input),
    connectInfo: () => ui().api.getConnectInfo({}),
    installClient: (request) => ui().api.installConnect(request),
    uninstallClient: (request) => ui().api.uninstallConnect(request),
    addServer: (request) => ui().api.addServer(request),
    removeServer: async (name) => {
      await ui().api.removeServer({ name });
    },
    listClients: () => {
      const authz = ports.authz();
      return { clients: authz?.clients.list() ?? [], persistent: authz?.persistent ?? false };
    },
    revokeClient(clientId: string) {
      const result = ports.authz()?.clients.revoke(clientId);
      if (!result?.revoked) {
        throw new BrokerError(
          'CLIENT_NOT_FOUND',
          `No OAuth client "${clientId}"; see "${cliCommand('clients')}".`,
        );
      }
      return { clientId, grants: result.grants };
    },
    listApiKeys: () => ({ keys: ports.authz()?.apiKeys.list() ?? [] }),
    createApiKey: (request) => authz().apiKeys.create(request),
    revokeApiKey(name: string) {
      if (!authz().apiKeys.revoke(name))
        throw new BrokerError('CLIENT_NOT_FOUND', `No API key "${name}"; see "mcp-auth-broker keys list".`);
      return { name, revoked: true as const };
    },
    listConsents: () => ({ pending: consents().list() }),
    decideConsent(requestCode: string, decision: 'approve' | 'deny', scopes?: string[]) {
      const consent =
        decision === 'approve'
          ? consents().approve(requestCode, 'cli', scopes)
          : consents().deny(requestCode, 'cli');
      return { decision, consent };
    },
  };
}
