import { connect } from 'node:net';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';

import type { AccessTokenVerifier } from '../broker/authz/access-token.js';
import type { Broker } from '../broker/broker.js';
import { SocketTransport } from '../broker/jsonrpc/socket-transport.js';
import type { SignInEvent } from '../broker/providers/sign-in-events.js';
import { remoteAccountId } from '../broker/upstream-oauth/remote-authorizations.js';
import { startTestBroker } from './in-process-broker.js';
import { memorySecretStore } from './memory-secret-store.js';
import { actAsPerson, type PersonOptions } from './oauth-person.js';
import {
  type ProtectedRemoteServer,
  type ProtectedServerOptions,
  startProtectedRemoteServer,
} from './protected-remote-server.js';
import {
  type RemoteAuthServer,
  type RemoteAuthServerOptions,
  startRemoteAuthServer,
} from './remote-oauth-server.js';

/**
 * An in-process broker (port 0, temp data dir, memory secret store) with one remote server `remote`
 * in front of a real protected MCP server and its real oidc-provider, plus helpers to sign in the way
 * `login --server remote` does (the person approving in the background) and to call tools over the
 * broker's MCP socket (the channel the `connect` shim relays).
 */
export interface RemoteKit {
  as: RemoteAuthServer;
  server: ProtectedRemoteServer;
  broker: Broker;
  secrets: ReturnType<typeof memorySecretStore>;
  configPath: string;
  dataDir: string;
  /** A new MCP client on the broker's socket. */
  client(): Promise<Client>;
  /** Signs `remote` (or `account`) in through the broker (browser flow, person approving); returns the events. */
  signIn(person?: PersonOptions, account?: string): Promise<SignInEvent[]>;
  auditText(): string;
  stop(): Promise<void>;
}

export interface RemoteKitOptions {
  server?: Omit<ProtectedServerOptions, 'authorizationServer'>;
  as?: RemoteAuthServerOptions;
  /** Extra fields of the `remote` server entry. */
  entry?: Record<string, unknown>;
  /** No authorization server: the protected server is open (or uses an API key). */
  withoutAuth?: boolean;
  /** Verifies tokens on the broker's own `/mcp` (to call remote tools through it). */
  verifier?: AccessTokenVerifier;
  /** Register a native client at the AS first and configure its `clientId` (CL-4 pre-registration). */
  preRegister?: boolean;
  /** Secrets in the broker's (memory) store from the start. */
  secrets?: Record<string, string>;
  /** More top-level config (e.g. `providers`); `register` registers a native client at the AS. */
  config?: (ctx: {
    as: RemoteAuthServer;
    server: ProtectedRemoteServer;
    register: () => Promise<string>;
  }) => Promise<Record<string, unknown>>;
  /** The AS is served on the MCP server's own origin (`as.mountedAt`), as on 2025-03-26 servers. */
  sameOrigin?: boolean;
  /** Test-only broker options. */
  allowLoopbackClientMetadataUrl?: boolean;
}

/** Registers a public native client with a loopback redirect, as an administrator would. */
async function registerNativeClient(issuer: string): Promise<string> {
  const response = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    }),
  });
  return ((await response.json()) as { client_id: string }).client_id;
}

/** The MCP server with its AS on its own origin (13.4: no RFC 9728 metadata, the 2025-03-26 rule). */
async function sameOrigin(options: RemoteKitOptions) {
  const mounted: { callback?: RemoteAuthServer['callback'] } = {};
  const server = await startProtectedRemoteServer({
    ...options.server,
    authorizationServer: 'same-origin',
    otherwise: (req, res) => mounted.callback?.(req, res),
  });
  const as = await startRemoteAuthServer({ ...options.as, mountedAt: server.origin });
  mounted.callback = as.callback;
  return { as, server };
}

export async function startRemoteKit(options: RemoteKitOptions = {}): Promise<RemoteKit> {
  const { as, server } =
    options.sameOrigin === true
      ? await sameOrigin(options)
      : await startRemoteAuthServer(options.as).then(async (as) => ({
          as,
          server: await startProtectedRemoteServer({
            ...options.server,
            ...(options.withoutAuth === true ? {} : { authorizationServer: as.issuer }),
          }),
        }));
  as.setResource(server.url);
  const transport = options.server?.kind ?? 'streamable-http';
  const clientId = options.preRegister === true ? await registerNativeClient(as.issuer) : undefined;
  const entry = { url: server.url, transport, ...(clientId ? { clientId } : {}), ...options.entry };
  const register = () => registerNativeClient(as.issuer);
  const extra = (await options.config?.({ as, server, register })) ?? {};
  const secrets = memorySecretStore(options.secrets);
  const kit = await startTestBroker({
    tmpPrefix: 'mab-rm-',
    config: { ...extra, secretStore: { type: 'keychain' } },
    servers: { remote: entry },
    secretStore: secrets,
    serverStartWaitMs: 15_000,
    ...(options.verifier ? { accessTokenVerifier: options.verifier } : {}),
    ...(options.allowLoopbackClientMetadataUrl === true ? { allowLoopbackClientMetadataUrl: true } : {}),
  });
  const { broker } = kit;
  const clients: Client[] = [];
  return {
    as,
    server,
    broker,
    secrets,
    configPath: kit.configPath,
    dataDir: kit.dataDir,
    client: async () => {
      const socket = connect(broker.paths.mcpSocket);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const client = new Client({ name: 'remote-test', version: '1.0.0' });
      await client.connect(new SocketTransport(socket));
      clients.push(client);
      return client;
    },
    signIn: async (personOptions = {}, account = remoteAccountId('remote')) => {
      const events: SignInEvent[] = [];
      let person: Promise<unknown> | undefined;
      const onEvent = (event: SignInEvent) => {
        events.push(event);
        if (event.event === 'browser') person = actAsPerson(event.url, personOptions);
      };
      await broker.control.providerLogin(account, 'browser', onEvent, new AbortController().signal);
      await person;
      return events;
    },
    auditText: kit.auditText,
    stop: async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await kit.stop();
      await server.close();
      await as.close();
    },
  };
}
