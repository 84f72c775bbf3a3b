/* eslint-disable @typescript-eslint/no-deprecated -- the low-level Server is the SDK's API for
   proxies: the broker relays requests it does not define itself, which McpServer cannot express. */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

import type { AuditSink } from '../audit/audit-event.js';
import { displayName } from '../audit/audit-text.js';
import type { Logger } from '../base/logger.js';
import type { Gateway } from './gateway.js';
import { JsonRpcRouter, RoutedTransport } from './jsonrpc-router.js';

const LEVELS: LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

export interface FrontSessionDeps {
  gateway: Gateway;
  audit: AuditSink;
  logger: Logger;
  version: string;
  /** Names this connection in the audit log until the client says who it is. */
  connectionLabel: string;
  /** The audit `clientId` (the OAuth client id); defaults to `connectionLabel`. */
  clientId?: string;
  /** Servers this client may use; undefined = all (the same-user socket channel). */
  scope?: ReadonlySet<string>;
}

/**
 * One MCP client session on the broker: the JSON-RPC router relays every call (tools/call,
 * resources/read, prompts/get, completion/complete, unknown methods) with progress and cancellation
 * mapped; an SDK low-level Server answers the handshake and the aggregated lists and sends the
 * logging and list-changed notifications.
 */
export function createFrontSession(deps: FrontSessionDeps): {
  server: Server;
  connect(t: Transport): Promise<void>;
} {
  const { gateway, audit, scope } = deps;
  const server = new Server(
    { name: 'mcp-auth-broker', version: deps.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { listChanged: true },
        prompts: { listChanged: true },
        logging: {},
      },
      instructions: 'Tools of the servers configured in MCP Auth Broker, named <server>__<tool>.',
    },
  );
  let client = deps.connectionLabel;
  // The label as soon as `initialize` was answered: a call right after it may be routed before the
  // SDK has run `oninitialized`.
  let named = false;
  const currentClient = () => {
    if (named) return client;
    const info = server.getClientVersion();
    if (info) {
      client = `${displayName(info.name)}#${deps.connectionLabel}`;
      named = true;
    }
    return client;
  };
  const clientId = deps.clientId ?? deps.connectionLabel;
  let minLevel = LEVELS.indexOf('info');
  let router: JsonRpcRouter | undefined;

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: gateway.listTools(scope) }));
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: gateway.listResources(scope) }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: gateway.listResourceTemplates(scope),
  }));
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: gateway.listPrompts(scope) }));
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minLevel = LEVELS.indexOf(request.params.level);
    return {};
  });

  const onTools = () => void server.sendToolListChanged().catch(() => undefined);
  const onResources = () => void server.sendResourceListChanged().catch(() => undefined);
  const onPrompts = () => void server.sendPromptListChanged().catch(() => undefined);
  const onLog = (entry: { server: string; level: LoggingLevel; logger?: string; data: unknown }) => {
    if (scope && !scope.has(entry.server)) return;
    if (LEVELS.indexOf(entry.level) < minLevel) return;
    const logger = entry.logger ? `${entry.server}/${entry.logger}` : entry.server;
    void server.sendLoggingMessage({ level: entry.level, logger, data: entry.data }).catch(() => undefined);
  };

  server.oninitialized = () => {
    const info = server.getClientVersion();
    // The name is the client's own choice: bounded and escaped, so it cannot hide who it is.
    client = currentClient();
    audit.record({
      type: 'client.connect',
      outcome: 'ok',
      client,
      clientId,
      message: `client ${displayName(info?.name ?? 'unknown')} ${displayName(info?.version ?? '')}`,
    });
  };
  server.onclose = () => {
    router?.close();
    gateway.off('toolsChanged', onTools);
    gateway.off('resourcesChanged', onResources);
    gateway.off('promptsChanged', onPrompts);
    gateway.off('log', onLog);
    audit.record({ type: 'client.disconnect', outcome: 'ok', client, clientId });
  };

  return {
    server,
    async connect(transport: Transport) {
      gateway.on('toolsChanged', onTools);
      gateway.on('resourcesChanged', onResources);
      gateway.on('promptsChanged', onPrompts);
      gateway.on('log', onLog);
      const routed = new RoutedTransport(transport, () => {
        router ??= new JsonRpcRouter(gateway, {
          context: () => ({ client: currentClient(), clientId, ...(scope ? { scope } : {}) }),
          send: (message, options) => transport.send(message, options),
        });
        return router;
      });
      await server.connect(routed);
    },
  };
}
