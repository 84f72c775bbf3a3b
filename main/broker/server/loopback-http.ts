import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError, messageOf } from '../errors.js';
import { sendJson } from './http-json.js';
import { loopbackRefusal } from './loopback-guard.js';

/** Handles a request under a registered path prefix. `url` is parsed against the broker's origin. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
/** Handles an HTTP upgrade (WebSocket) under a registered path. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

export interface LoopbackHttp {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>` — no trailing slash. */
  url: string;
  /** Serves every path equal to `prefix` or below `prefix/`. The longest matching prefix wins. */
  route(prefix: string, handler: HttpHandler): void;
  upgrade(path: string, handler: UpgradeHandler): void;
  /** Called once every feature is mounted: until then `GET /healthz` answers 503 `starting`. */
  setReady(): void;
}

function matches(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

function pick<T>(table: Map<string, T>, path: string): T | undefined {
  let best: string | undefined;
  for (const prefix of table.keys()) {
    if (matches(path, prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : table.get(best);
}

/**
 * The broker's HTTP endpoint, bound to 127.0.0.1 (and [::1]) only. Every request and upgrade passes the
 * Host/Origin guard first (DNS rebinding, foreign pages); features register their paths with
 * `route()` / `upgrade()`. `GET /healthz` is built in.
 */
export async function startLoopbackHttp(
  port: number,
  audit: AuditSink,
  version: string,
  logger?: { warn: (obj: object, msg: string) => void },
): Promise<LoopbackHttp> {
  let boundPort = port;
  const routes = new Map<string, HttpHandler>();
  const upgrades = new Map<string, UpgradeHandler>();
  let ready = false;
  routes.set('/healthz', (req, res) => {
    if (req.method === 'GET' && !ready)
      sendJson(res, 503, { status: 'starting', name: 'mcp-auth-broker', version });
    else if (req.method === 'GET') sendJson(res, 200, { status: 'ok', name: 'mcp-auth-broker', version });
    else sendJson(res, 405, { error: 'method_not_allowed', error_description: 'Use GET /healthz' });
  });
  const refuse = (req: IncomingMessage): string | undefined => {
    const refusal = loopbackRefusal(req, boundPort);
    if (refusal) {
      const what = `HTTP ${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`;
      audit.record({
        type: 'http.denied',
        outcome: 'denied',
        errorCode: 403,
        message: `${what}: ${refusal}`,
      });
    }
    return refusal;
  };
  const server = createServer((req, res) => {
    const refusal = refuse(req);
    if (refusal) {
      sendJson(res, 403, { error: 'forbidden', error_description: refusal });
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${String(boundPort)}`);
    const handler = pick(routes, url.pathname);
    if (!handler) {
      sendJson(res, 404, { error: 'not_found', error_description: `Nothing at ${url.pathname}` });
      return;
    }
    Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: 'server_error', error_description: messageOf(error) });
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${String(boundPort)}`);
    const handler = refuse(req) ? undefined : upgrades.get(url.pathname);
    if (!handler) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    handler(req, socket, head, url);
  });
  await listen(server, port);
  boundPort = (server.address() as AddressInfo).port;
  await alsoListenOnIpv6Loopback(server, boundPort, logger);
  return {
    server,
    port: boundPort,
    url: `http://127.0.0.1:${String(boundPort)}`,
    route: (prefix, handler) => routes.set(prefix, handler),
    upgrade: (path, handler) => upgrades.set(path, handler),
    setReady: () => (ready = true),
  };
}

/**
 * Also accepts connections on [::1] with the same port (clients that resolve `localhost` to IPv6
 * first), handing them to the same HTTP server — and so to the same Host/Origin guard. Where ::1 is
 * unavailable the broker logs it and serves 127.0.0.1 only.
 */
async function alsoListenOnIpv6Loopback(
  server: Server,
  port: number,
  logger?: { warn: (obj: object, msg: string) => void },
): Promise<void> {
  const v6 = createNetServer((socket) => server.emit('connection', socket));
  try {
    await new Promise<void>((resolve, reject) => {
      v6.once('error', reject);
      v6.listen({ port, host: '::1', ipv6Only: true }, () => resolve());
    });
    server.once('close', () => v6.close());
  } catch (error) {
    logger?.warn({ err: messageOf(error) }, 'not listening on [::1]; serving 127.0.0.1 only');
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new BrokerError(
              'PORT_IN_USE',
              `Port ${String(port)} on 127.0.0.1 is already in use. Stop the program using it, or pick another with --port (0 = any free port).`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
