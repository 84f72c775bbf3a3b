import { request } from 'node:http';
import { BrokerError } from '../errors.js';
import { runtimePaths } from '../paths.js';

export interface ControlResponse {
  status: number;
  body: unknown;
}

/**
 * Calls the running broker's control API over its same-user socket. Throws BROKER_UNREACHABLE when
 * no broker listens there (callers then act directly or say the broker is not running).
 */
export function callControl(
  dataDir: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ControlResponse> {
  const socketPath = runtimePaths(dataDir).controlSocket;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text) as unknown;
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        reject(
          new BrokerError('BROKER_UNREACHABLE', 'The broker is not running for this data dir.', {
            cause: error,
          }),
        );
      } else reject(error);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('control request timed out')));
    req.end(payload);
  });
}

/** Turns a non-2xx control response into a thrown BrokerError carrying the broker's message. */
export function expectOk(res: ControlResponse): unknown {
  if (res.status >= 200 && res.status < 300) return res.body;
  const body = res.body as { code?: string; message?: string } | undefined;
  throw new BrokerError('USAGE', body?.message ?? `Broker answered HTTP ${String(res.status)}`);
}
