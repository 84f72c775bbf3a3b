import { createServer, type RequestListener, type Server } from 'node:http';

import type { z } from 'zod';

import {
  type CreateApiKeyBody,
  CreateApiKeyBodySchema,
  type CreatedApiKey,
} from '../../contract/api-keys.js';
import {
  type ApiKeysResponse,
  ApproveConsentBodySchema,
  type ClientsResponse,
  type ConsentDecisionResponse,
  type ConsentsResponse,
  ImportBodySchema,
  InstallBodySchema,
  type RestartServerResponse,
  type RevokeApiKeyResponse,
  type RevokeClientResponse,
  SetSecretBodySchema,
} from '../../contract/control-api.js';
import type { Status } from '../../contract/status.js';
import {
  AddServerRequestSchema,
  type ApiInput,
  type ApiOutput,
  type ApiParsedInput,
  ConnectTargetSchema,
  type ImportResult,
} from '../../contract/window-api.js';
import { codeOf, httpStatusForCode } from '../base/error-codes.js';
import { BrokerError, messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { readJsonBody, sendJson } from '../net/http-json.js';
import { createRouteTable, type Route, route, routeRequest, sendRefusal } from '../net/route-table.js';
import { type ProviderControl, providerRoutes } from '../providers/provider-routes.js';
import { type ServerLogControl, serverLogRoutes } from '../upstreams/server-log-routes.js';

type AddServerInput = z.output<typeof AddServerRequestSchema>;

/** What the control API can ask of the running broker. Implemented by the Broker. */
export interface BrokerControl extends ProviderControl, ServerLogControl {
  status(): Status;
  listSecrets(): Promise<string[]>;
  setSecret(name: string, value: string): Promise<{ restarted: string[] }>;
  deleteSecret(name: string): Promise<boolean>;
  restartServer(name: string): Promise<void>;
  /** A one-time browser-mode login link (`mcp-auth-broker ui`). */
  uiLoginUrl(): string;
  /** Imports the MCP servers of MCP client files (`mcp-auth-broker import`), with the person's choices. */
  importServers(input: ApiParsedInput<'runImport'>): Promise<ImportResult>;
  /** MCP clients the broker installs into (`mcp-auth-broker install --list`). */
  connectInfo(): Promise<ApiOutput<'getConnectInfo'>>;
  /** Installs the broker entry into a client's file (`install CLIENT`), or restores it (`uninstall`). */
  installClient(request: ApiInput<'installConnect'>): Promise<ApiOutput<'installConnect'>>;
  uninstallClient(request: ApiInput<'uninstallConnect'>): Promise<ApiOutput<'uninstallConnect'>>;
  /** Adds a server from the catalog, a command or a URL (`mcp-auth-broker add`); removes one (`remove`). */
  addServer(request: AddServerInput): Promise<ApiOutput<'addServer'>>;
  removeServer(name: string): Promise<void>;
  /** OAuth clients of the broker's authorization server with their grants (`mcp-auth-broker clients`). */
  listClients(): ClientsResponse;
  /** Revokes every grant of a client; its tokens stop working at once (`clients revoke <id>`). */
  revokeClient(clientId: string): RevokeClientResponse;
  /** API keys, metadata only (`keys list`). */
  listApiKeys(): ApiKeysResponse;
  /**
   * Creates an API key (`keys create`): a person's act (SEC-1), so only this socket and the window
   * reach it. The answer carries the key's value, once.
   */
  createApiKey(request: CreateApiKeyBody): CreatedApiKey;
  /** Revokes an API key at once (`keys revoke NAME`). */
  revokeApiKey(name: string): RevokeApiKeyResponse;
  /** Consent requests waiting on the person (`clients pending`). */
  listConsents(): ConsentsResponse;
  /**
   * The person approves or denies a consent request by its request code (`clients approve CODE`,
   * `clients deny CODE`, SEC-1): this socket is the person's own session (0600, same user).
   */
  decideConsent(
    requestCode: string,
    decision: 'approve' | 'deny',
    scopes?: string[],
  ): ConsentDecisionResponse;
}

function routes(control: BrokerControl): Route[] {
  return [
    ...providerRoutes(control),
    ...serverLogRoutes(control),
    route('GET', '/status', (_q, res) => sendJson(res, 200, control.status())),
    route('GET', '/secrets', async (_q, res) => sendJson(res, 200, { names: await control.listSecrets() })),
    route('PUT', '/secrets/:name', async (req, res, { name }) => {
      const body = SetSecretBodySchema.safeParse(await readJsonBody(req));
      if (!body.success) throw new BrokerError('USAGE', 'Body must be {"value": "<non-empty string>"}.');
      sendJson(res, 200, await control.setSecret(name, body.data.value));
    }),
    route('DELETE', '/secrets/:name', async (_q, res, { name }) =>
      sendJson(res, 200, { deleted: await control.deleteSecret(name) }),
    ),
    route('POST', '/ui/login-link', (_q, res) => sendJson(res, 200, { url: control.uiLoginUrl() })),
    route('POST', '/import', async (req, res) => {
      const body = ImportBodySchema.safeParse(await readJsonBody(req));
      if (!body.success) {
        throw new BrokerError(
          'USAGE',
          'Body must be {"source": {"path": "<client file>"} | {"paths": […]}, "options"?: {…}}.',
        );
      }
      sendJson(res, 200, await control.importServers(body.data));
    }),
    route('GET', '/connect', async (_q, res) => sendJson(res, 200, await control.connectInfo())),
    route('POST', '/connect/:client/install', async (req, res, { client }) => {
      const target = ConnectTargetSchema.safeParse(client);
      const body = InstallBodySchema.safeParse((await readJsonBody(req)) ?? {});
      if (!target.success) throw new BrokerError('USAGE', `Unknown client "${client}".`);
      if (!body.success)
        throw new BrokerError('USAGE', 'Body must be {"via"?: "stdio"|"http", "removeImported"?: boolean}.');
      sendJson(res, 200, await control.installClient({ target: target.data, ...body.data }));
    }),
    route('POST', '/connect/:client/uninstall', async (_q, res, { client }) => {
      const target = ConnectTargetSchema.safeParse(client);
      if (!target.success) throw new BrokerError('USAGE', `Unknown client "${client}".`);
      sendJson(res, 200, await control.uninstallClient({ target: target.data }));
    }),
    route('POST', '/servers', async (req, res) => {
      const body = AddServerRequestSchema.safeParse(await readJsonBody(req));
      if (!body.success)
        throw new BrokerError(
          'USAGE',
          'Body must be {"name", "catalog", "values"} or {"name", "command", "args"} or {"name", "url"}.',
        );
      sendJson(res, 200, await control.addServer(body.data));
    }),
    route('DELETE', '/servers/:name', async (_q, res, { name }) => {
      await control.removeServer(name);
      sendJson(res, 200, { ok: true });
    }),
    route('GET', '/clients', (_q, res) => sendJson(res, 200, control.listClients())),
    route('DELETE', '/clients/:id', (_q, res, { id }) => sendJson(res, 200, control.revokeClient(id))),
    route('GET', '/keys', (_q, res) => sendJson(res, 200, control.listApiKeys())),
    route('POST', '/keys', async (req, res) => {
      const body = CreateApiKeyBodySchema.safeParse(await readJsonBody(req));
      if (!body.success)
        throw new BrokerError(
          'USAGE',
          `Body must be {"name", "servers": [..], "expiresInSeconds"?}: ${body.error.issues[0]?.message ?? ''}`,
        );
      sendJson(res, 200, control.createApiKey(body.data));
    }),
    route('DELETE', '/keys/:name', (_q, res, { name }) => sendJson(res, 200, control.revokeApiKey(name))),
    route('GET', '/consents', (_q, res) => sendJson(res, 200, control.listConsents())),
    route('POST', '/consents/:code/approve', async (req, res, { code }) => {
      const body = ApproveConsentBodySchema.safeParse((await readJsonBody(req)) ?? {});
      if (!body.success)
        throw new BrokerError('USAGE', 'Body must be {"scopes"?: ["mcp:servers:<name>", …]}.');
      sendJson(res, 200, control.decideConsent(code, 'approve', body.data.scopes));
    }),
    route('POST', '/consents/:code/deny', (_q, res, { code }) =>
      sendJson(res, 200, control.decideConsent(code, 'deny')),
    ),
    route('POST', '/servers/:name/restart', async (_q, res, { name }) => {
      await control.restartServer(name);
      sendJson(res, 200, { restarted: name } satisfies RestartServerResponse);
    }),
  ];
}

/**
 * The CLI's channel to a running broker: HTTP over the same-user Unix socket (0600) or named pipe.
 * It is never exposed on TCP. Errors come back as `{code, message}`.
 */
export function createControlServer(
  control: BrokerControl,
  logger: Logger,
  redact: (text: string) => string = (text) => text,
): Server {
  return createServer(controlRequestListener(control, logger, redact));
}

/**
 * The control API's request handler (see `createControlServer`). Error messages pass `redact` (the
 * broker's secret redactor) before they leave, like every other text (SEC-5).
 */
export function controlRequestListener(
  control: BrokerControl,
  logger: Logger,
  redact: (text: string) => string = (text) => text,
): RequestListener {
  const table = createRouteTable(routes(control), { noun: 'control route' });
  return (req, res) => {
    const failed = (error: unknown) => {
      logger.debug({ err: messageOf(error) }, 'control request failed');
      const code = codeOf(error);
      const message = redact(messageOf(error));
      if (!res.headersSent) sendJson(res, httpStatusForCode(code), { code, message });
      else res.destroy();
    };
    try {
      // Concatenated, not resolved against a base: `GET //` or `GET http://` must not throw.
      const target = req.url ?? '/';
      const path = target.startsWith('/') ? new URL(`http://control${target}`).pathname : target;
      routeRequest(table, req, res, path, sendRefusal).catch(failed);
    } catch (error) {
      failed(error);
    }
  };
}
