import { createServer, type RequestListener, type Server } from 'node:http';

import {
  ApproveConsentBodySchema,
  type ClientsResponse,
  type ConsentDecisionResponse,
  type ConsentsResponse,
  ImportBodySchema,
  type RestartServerResponse,
  type RevokeClientResponse,
  SetSecretBodySchema,
} from '../../contract/control-api.js';
import type { Status } from '../../contract/status.js';
import type { ApiParsedInput, ImportResult } from '../../contract/window-api.js';
import { codeOf, httpStatusForCode } from '../base/error-codes.js';
import { BrokerError, messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { readJsonBody, sendJson } from '../net/http-json.js';
import { createRouteTable, type Route, route, routeRequest, sendRefusal } from '../net/route-table.js';
import { type ProviderControl, providerRoutes } from '../providers/provider-routes.js';

/** What the control API can ask of the running broker. Implemented by the Broker. */
export interface BrokerControl extends ProviderControl {
  status(): Status;
  listSecrets(): Promise<string[]>;
  setSecret(name: string, value: string): Promise<{ restarted: string[] }>;
  deleteSecret(name: string): Promise<boolean>;
  restartServer(name: string): Promise<void>;
  /** A one-time browser-mode login link (`mcp-auth-broker ui`). */
  uiLoginUrl(): string;
  /** Imports the MCP servers of MCP client files (`mcp-auth-broker import`), with the person's choices. */
  importServers(input: ApiParsedInput<'runImport'>): Promise<ImportResult>;
  /** OAuth clients of the broker's authorization server with their grants (`mcp-auth-broker clients`). */
  listClients(): ClientsResponse;
  /** Revokes every grant of a client; its tokens stop working at once (`clients revoke <id>`). */
  revokeClient(clientId: string): RevokeClientResponse;
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
    route('GET', '/clients', (_q, res) => sendJson(res, 200, control.listClients())),
    route('DELETE', '/clients/:id', (_q, res, { id }) => sendJson(res, 200, control.revokeClient(id))),
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
