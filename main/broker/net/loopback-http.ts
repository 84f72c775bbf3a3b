import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';

import type { AuditSink } from '../audit/audit-event.js';
import { type Clock, systemClock } from '../base/clock.js';
import { BrokerError, messageOf } from '../base/errors.js';
import { sendJson } from './http-json.js';
import { admitRequest } from './loopback-guard.js';
import { RefusalAudit } from './refusal-audit.js';
import { createRouteTable, route, routeRequest, sendOAuthRefusal } from './route-table.js';

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
  /**
   * Audits refusals of unauthenticated requests, folding repeats into one summary per minute; features
   * use it for their own (e.g. `/mcp` 401s). `close()` it before the audit log closes.
   */
  refusals: RefusalAudit;
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
  logger?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void },
  clock: Clock = systemClock,
): Promise<LoopbackHttp> {
  let boundPort = port;
  const routes = new Map<string, HttpHandler>();
  const upgrades = new Map<string, UpgradeHandler>();
  let ready = false;
  const health = createRouteTable(
    [
      route('GET', '/healthz', (_q, res) =>
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ok' : 'starting',
          name: 'mcp-auth-broker',
          version,
        }),
      ),
    ],
    { noun: 'route' },
  );
  routes.set('/healthz', (req, res, url) => routeRequest(health, req, res, url.pathname, sendOAuthRefusal));
  const refusals = new RefusalAudit({ audit, clock });
  refusals.start();
  const admit = (req: IncomingMessage): URL | { status: number; reason: string } => {
    const admission = admitRequest(req, boundPort);
    if (admission.ok) return admission.url;
    const what = `HTTP ${req.method ?? ''} ${(req.url ?? '').split('?')[0]?.slice(0, 200) ?? ''}`;
    refusals.record(`http.denied:${admission.kind}`, {
      type: 'http.denied',
      outcome: 'denied',
      errorCode: admission.status,
      message: `${what}: ${admission.reason}`,
    });
    return admission;
  };
  /** A handler threw: the request gets a 500, the broker logs and audits it and keeps serving. */
  const fault = (where: string, error: unknown) => {
    logger?.error({ err: messageOf(error), where }, 'HTTP handler failed');
    const message = `${where}: ${messageOf(error).slice(0, 300)}`;
    refusals.record('broker.error:http', { type: 'broker.error', outcome: 'error', message });
  };
  const server = createServer(
    // Slow-loris: a request's headers must arrive in 10 s and the whole request in 30 s; Node checks
    // every second (its default, 30 s, would let a trickle hold a connection four times as long).
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      const failed = (error: unknown) => {
        fault(`HTTP ${req.method ?? ''} ${(req.url ?? '').split('?')[0]?.slice(0, 200) ?? ''}`, error);
        if (!res.headersSent)
          sendJson(res, 500, {
            error: 'server_error',
            error_description: 'Internal error; see the broker log.',
          });
        else res.destroy();
      };
      try {
        const url = admit(req);
        if (!(url instanceof URL)) {
          const error = url.status === 400 ? 'invalid_request' : 'forbidden';
          sendJson(res, url.status, { error, error_description: url.reason });
          return;
        }
        const handler = pick(routes, url.pathname);
        if (!handler) {
          sendJson(res, 404, { error: 'not_found', error_description: `Nothing at ${url.pathname}` });
          return;
        }
        Promise.resolve(handler(req, res, url)).catch(failed);
      } catch (error) {
        failed(error);
      }
    },
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = admit(req);
      if (!(url instanceof URL)) {
        const line = url.status === 400 ? '400 Bad Request' : '403 Forbidden';
        socket.end(`HTTP/1.1 ${line}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const handler = upgrades.get(url.pathname);
      if (!handler) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      handler(req, socket, head, url);
    } catch (error) {
      fault(`upgrade ${(req.url ?? '').split('?')[0]?.slice(0, 200) ?? ''}`, error);
      if (socket.writable)
        socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    }
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
    refusals,
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
