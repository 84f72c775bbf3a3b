import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type LoggingLevel,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { isBrokerError, messageOf } from '../base/errors.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { type ChildExit, describeExit } from './observed-stdio-transport.js';
import { type CatalogPart, fetchCatalog, type UpstreamCatalog } from './upstream-catalog.js';
import { UpstreamChannel } from './upstream-channel.js';

/**
 * One connection to an upstream server (a spawned process or a remote session) and the SDK client
 * talking to it: created with its handlers in place (so nothing the server sends early is lost), then started.
 */
export interface UpstreamConnection {
  client: Client;
  transport: UpstreamTransport;
  /** Routed requests (tools/call, resources/read, …) on the same transport, without the SDK client. */
  channel: UpstreamChannel;
}

/** A stdio transport (with its pid and exit) or a remote one (issue 5: neither). */
export type UpstreamTransport = Transport & {
  readonly spawnedPid?: number | undefined;
  readonly exit?: ChildExit | undefined;
};

/** What the connection reports to its owner. */
export interface ConnectionHandlers {
  onStderr(chunk: string | Buffer): void;
  /** The process went away or the transport closed. */
  onClose(): void;
  onListChanged(part: CatalogPart): void;
  onLog(message: { level: LoggingLevel; logger?: string; data: unknown }): void;
  onError(error: Error): void;
}

/** The SDK client of an upstream connection, with every handler attached (any transport). */
export function createUpstreamClient(
  clientInfo: { name: string; version: string },
  handlers: ConnectionHandlers,
): Client {
  const client = new Client(clientInfo, { capabilities: {} });
  client.onclose = () => {
    handlers.onClose();
  };
  client.onerror = (error) => {
    handlers.onError(error);
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    handlers.onListChanged('tools');
  });
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
    handlers.onListChanged('prompts');
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    handlers.onListChanged('resources');
  });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    const { level, logger, data } = notification.params;
    handlers.onLog({ level, ...(logger === undefined ? {} : { logger }), data });
  });
  return client;
}

/**
 * Spawns the process, runs the MCP handshake and lists what the server offers. On failure the
 * process is closed before the error is rethrown.
 */
export async function startConnection(
  connection: UpstreamConnection,
  timeoutMs: number,
): Promise<UpstreamCatalog> {
  try {
    await connection.client.connect(connection.transport, { timeout: timeoutMs });
    connection.channel.attach();
    return await fetchCatalog(connection.client, timeoutMs);
  } catch (error) {
    await connection.client.close().catch(() => undefined);
    throw error;
  }
}

/** Why a start failed, in words a person can act on (without the stderr tail). */
export function describeStartFailure(
  error: unknown,
  command: string,
  transport: UpstreamTransport | undefined,
): string {
  if (isBrokerError(error)) return error.message;
  if (transport?.spawnedPid === undefined) return `could not run "${command}": ${messageOf(error)}`;
  if (transport.exit) return `it ${describeExit(transport.exit)} while starting.`;
  return `it did not complete the MCP handshake: ${messageOf(error)}`;
}

/** Scrubs known secret values out of arbitrary JSON data (a log notification's payload, an error's data). */
export function redactData(redactor: SecretRedactor, data: unknown): unknown {
  return redactor.redactDeep(data);
}
