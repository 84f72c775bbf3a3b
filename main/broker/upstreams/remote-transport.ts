import { setMaxListeners } from 'node:events';

import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { WebSocket } from 'ws';

import { BrokerError, messageOf } from '../base/errors.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import { MCP_WS_SUBPROTOCOL, WebSocketTransport } from '../mcp-http/websocket-transport.js';
import { cliCommand } from '../runtime/cli-command.js';
import type { Fetch } from '../upstream-oauth/authorization-discovery.js';

/**
 * The client transport of a remote upstream: streamable HTTP (JSON or SSE responses; the SDK
 * resumes an interrupted SSE stream with `Last-Event-ID` where the server supports it), legacy
 * HTTP+SSE, or WebSocket (ws). Every HTTP request goes through `fetch` (credentials, CL-8); a network
 * failure or a lost session reports `onLost` so the upstream reconnects with backoff.
 *
 * @see MCP transports §2 (streamable HTTP, resumability), 2024-11-05 HTTP+SSE transport
 */

export interface RemoteTransportParams {
  server: string;
  config: RemoteServerConfig;
  fetch: Fetch;
  /** Headers of the WebSocket upgrade request (the credentials `fetch` would add). */
  upgradeHeaders: (url: URL) => Promise<Record<string, string>>;
  /** The connection is gone (network error, or the server forgot the session). */
  onLost: () => void;
  /** A refused WebSocket upgrade (its status and challenge): true = try once more (after a refresh). */
  onUpgradeRefused?: (response: Response) => Promise<boolean>;
}

/** Wraps `fetch`: a network error becomes UPSTREAM_UNREACHABLE; it and a 404 for a session report loss. */
export function observedFetch(server: string, base: Fetch, onLost: () => void): Fetch {
  return async (url, init) => {
    // The SDK passes one AbortSignal per connection to every request; Node's fetch adds a listener
    // per request and drops it only when that request is garbage-collected, so under load the
    // default limit of the signal warns about a leak that is not one.
    if (init?.signal) setMaxListeners(0, init.signal);
    let response: Response;
    try {
      response = await base(url, init);
    } catch (error) {
      if (error instanceof BrokerError) throw error;
      onLost();
      throw new BrokerError(
        'UPSTREAM_UNREACHABLE',
        `Remote server "${server}" at ${new URL(String(url)).origin} is unreachable (${messageOf(error instanceof Error && error.cause !== undefined ? error.cause : error)}); the broker keeps retrying.`,
        { cause: error },
      );
    }
    const hadSession = new Headers(init?.headers).has('mcp-session-id');
    if (response.status === 404 && hadSession) onLost();
    return response;
  };
}

/** Opens the socket with the credentials as upgrade headers; a refusal resolves to its status and challenge. */
async function openSocket(
  params: RemoteTransportParams,
  url: URL,
  track: (socket: WebSocket) => void,
): Promise<WebSocket | Response> {
  const headers = await params.upgradeHeaders(url);
  const open = new WebSocket(url, MCP_WS_SUBPROTOCOL, { headers });
  track(open);
  return new Promise<WebSocket | Response>((resolve, reject) => {
    open.once('open', () => resolve(open));
    open.once('error', (error) => reject(unreachable(params.server, url, error)));
    open.once('unexpected-response', (_req, res) => {
      const challenge = new Response(null, {
        status: res.statusCode ?? 500,
        headers: { 'www-authenticate': res.headers['www-authenticate'] ?? '' },
      });
      open.terminate();
      resolve(challenge);
    });
  });
}

function webSocketTransport(params: RemoteTransportParams, url: URL): Transport {
  let socket: WebSocket | undefined;
  let inner: WebSocketTransport | undefined;
  const transport: Transport = {
    async start() {
      const track = (next: WebSocket) => void (socket = next);
      let open = await openSocket(params, url, track);
      // RFC 6750 §3: a refused token may be renewed once (the upgrade carries no retry of its own).
      if (open instanceof Response && (await params.onUpgradeRefused?.(open)) === true) {
        open = await openSocket(params, url, track);
      }
      if (open instanceof Response) throw upgradeRefused(params.server, open);
      inner = new WebSocketTransport(open);
      inner.onmessage = (message) => transport.onmessage?.(message);
      inner.onerror = (error) => transport.onerror?.(error);
      inner.onclose = () => {
        params.onLost();
        transport.onclose?.();
      };
      await inner.start();
    },
    send: (message) => (inner ? inner.send(message) : Promise.reject(new Error('WebSocket is not open'))),
    close: async () => {
      if (inner) await inner.close();
      else socket?.terminate();
    },
  };
  return transport;
}

function unreachable(server: string, url: URL, error: Error): BrokerError {
  return new BrokerError(
    'UPSTREAM_UNREACHABLE',
    `Remote server "${server}" at ${url.origin} is unreachable (${error.message}); the broker keeps retrying.`,
  );
}

function upgradeRefused(server: string, response: Response): BrokerError {
  const { error } = extractWWWAuthenticateParams(response);
  if (response.status === 401 || response.status === 403) {
    return new BrokerError(
      'SIGNIN_NEEDED',
      `Remote server "${server}" refused the WebSocket connection (HTTP ${String(response.status)}${error ? ` ${error}` : ''}). Sign in with: ${cliCommand(`login --server ${server}`)}`,
    );
  }
  return new BrokerError(
    'UPSTREAM_UNREACHABLE',
    `Remote server "${server}" refused the WebSocket upgrade (HTTP ${String(response.status)}).`,
  );
}

/** Builds the (unstarted) transport named by the server's config. */
export function createRemoteTransport(params: RemoteTransportParams): Transport {
  const url = new URL(params.config.url);
  const fetchFn = observedFetch(params.server, params.fetch, params.onLost);
  switch (params.config.transport) {
    case 'websocket':
      return webSocketTransport(params, url);
    case 'sse':
      // The legacy transport is deprecated in the SDK, and still what older servers speak.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      return new SSEClientTransport(url, { fetch: fetchFn });
    default:
      return new StreamableHTTPClientTransport(url, { fetch: fetchFn });
  }
}
