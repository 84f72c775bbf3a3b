import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError } from '../errors.js';
import { sendJson } from './http-json.js';
import { loopbackRefusal } from './loopback-guard.js';

export interface LoopbackHttp {
  server: Server;
  port: number;
  url: string;
}

/**
 * The broker's HTTP endpoint on 127.0.0.1 only. Today it serves `GET /healthz`; every request passes
 * the Host/Origin guard first, so a web page cannot reach it through DNS rebinding.
 */
export async function startLoopbackHttp(
  port: number,
  audit: AuditSink,
  version: string,
): Promise<LoopbackHttp> {
  let boundPort = port;
  const server = createServer((req, res) => {
    const refusal = loopbackRefusal(req, boundPort);
    if (refusal) {
      audit.record({
        type: 'http.denied',
        outcome: 'denied',
        errorCode: 403,
        message: `HTTP ${req.method ?? ''} ${req.url ?? ''}: ${refusal}`,
      });
      sendJson(res, 403, { error: 'forbidden', error_description: refusal });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'GET' && path === '/healthz') {
      sendJson(res, 200, { status: 'ok', name: 'mcp-auth-broker', version });
      return;
    }
    sendJson(res, 404, { error: 'not_found', error_description: `Nothing at ${path}` });
  });
  await new Promise<void>((resolve, reject) => {
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
  boundPort = (server.address() as AddressInfo).port;
  return { server, port: boundPort, url: `http://127.0.0.1:${String(boundPort)}` };
}
