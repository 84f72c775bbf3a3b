import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { type WebSocket, WebSocketServer } from 'ws';

import type { AccessTokenClaims } from '../authz/access-token.js';
import { authenticateBearer } from './bearer-auth.js';
import { rawDenial } from './bearer-challenge.js';
import { MAX_HTTP_BODY_BYTES } from './mcp-http-request.js';
import { newSessionId } from './mcp-session-table.js';
import { auditDenial, openBoundSession, type ResourceContext } from './resource-context.js';
import { MCP_WS_SUBPROTOCOL, WebSocketTransport } from './websocket-transport.js';

/** WebSocket close code for "policy violation" (RFC 6455 §7.4.1): the token stopped being valid. */
const POLICY_VIOLATION = 1008;
/** Longest delay setTimeout keeps (≈24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The `/ws` MCP endpoint: the handshake needs the same bearer token as `/mcp` in its
 * `Authorization` header (refused with 401 + challenge before upgrading); afterwards every incoming
 * message re-checks the token, so expiry or revocation closes the connection.
 */
export function websocketUpgradeHandler(ctx: ResourceContext) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_HTTP_BODY_BYTES,
    handleProtocols: (protocols) => (protocols.has(MCP_WS_SUBPROTOCOL) ? MCP_WS_SUBPROTOCOL : false),
  });
  const handler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void => {
    void authenticateBearer(req.headers.authorization, url, ctx.auth).then(
      (auth) => {
        if (!auth.ok) {
          auditDenial(ctx, req, url, auth.denial);
          socket.end(rawDenial(auth.denial, ctx.metadataUrl));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => void accept(ctx, ws, req, url, auth.claims));
      },
      () => socket.destroy(),
    );
  };
  return { handler, close: () => wss.close() };
}

async function accept(
  ctx: ResourceContext,
  ws: WebSocket,
  req: IncomingMessage,
  url: URL,
  claims: AccessTokenClaims,
): Promise<void> {
  const authorization = req.headers.authorization;
  const stillValid = async () => {
    const again = await authenticateBearer(authorization, url, ctx.auth);
    if (again.ok) return true;
    auditDenial(ctx, req, url, again.denial);
    ws.close(POLICY_VIOLATION, 'access token expired or revoked');
    return false;
  };
  const id = newSessionId();
  const transport = new WebSocketTransport(ws, { admit: stillValid });
  // An API key may live for months (or never expire): beyond the timer's range there is no timer,
  // and the per-message check (`admit`) refuses the key once it has expired.
  const untilExpiry = claims.expiresAt * 1000 - Date.now();
  const expiry =
    untilExpiry > MAX_TIMER_MS
      ? undefined
      : setTimeout(() => ws.close(POLICY_VIOLATION, 'access token expired'), Math.max(0, untilExpiry));
  expiry?.unref();
  transport.onclose = () => {
    clearTimeout(expiry);
    ctx.sessions.remove(id);
  };
  try {
    ctx.sessions.add(await openBoundSession(ctx, claims, transport, id, 'ws'));
  } catch (error) {
    ctx.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'WebSocket MCP session failed',
    );
    ws.terminate();
  }
}
