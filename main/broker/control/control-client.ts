import { type IncomingMessage, request } from 'node:http';

import type { z } from 'zod';

import { errorFromAnswer } from '../base/error-codes.js';
import { BrokerError } from '../base/errors.js';
import { localSocketPresent } from '../net/local-socket.js';
import { runtimePaths } from '../runtime/paths.js';

export interface ControlResponse {
  status: number;
  body: unknown;
}

/**
 * Sends one request to the running broker's control API over its same-user socket and hands the
 * response to `onResponse`. A missing broker rejects with BROKER_UNREACHABLE (callers then act
 * directly or say the broker is not running).
 */
export function sendControlRequest(
  dataDir: string,
  request_: { method: string; path: string; body?: unknown; timeoutMs: number },
  onResponse: (res: IncomingMessage) => void,
  reject: (error: Error) => void,
): void {
  const payload = request_.body === undefined ? undefined : JSON.stringify(request_.body);
  const paths = runtimePaths(dataDir);
  try {
    if (!localSocketPresent(paths, paths.controlSocket)) {
      reject(new BrokerError('BROKER_UNREACHABLE', 'The broker is not running for this data dir.'));
      return;
    }
  } catch (error) {
    reject(error as Error);
    return;
  }
  const req = request(
    {
      socketPath: paths.controlSocket,
      method: request_.method,
      path: request_.path,
      headers: payload
        ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
        : {},
    },
    onResponse,
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
  req.setTimeout(request_.timeoutMs, () => req.destroy(new Error('control request timed out')));
  req.end(payload);
}

/** How long a call waits out a broker that answers `BROKER_STARTING` (it waits up to 10 s for servers). */
const STARTING_WAIT_MS = 20_000;

function isStarting(res: ControlResponse): boolean {
  return res.status === 503 && (res.body as { code?: unknown } | undefined)?.code === 'BROKER_STARTING';
}

/**
 * Calls a control route and resolves with its status and (JSON-parsed, when it parses) body. While
 * the broker is still starting (503 `BROKER_STARTING`), the call is retried for up to 20 s.
 */
export async function callControl(
  dataDir: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ControlResponse> {
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    const res = await callControlOnce(dataDir, method, path, body);
    if (!isStarting(res) || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function callControlOnce(
  dataDir: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
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
    };
    sendControlRequest(dataDir, { method, path, body, timeoutMs: 30_000 }, onResponse, reject);
  });
}

/** Turns a non-2xx control response into the broker's own BrokerError (same code, same message). */
export function expectOk(res: ControlResponse): unknown {
  if (res.status >= 200 && res.status < 300) return res.body;
  throw errorFromAnswer(res.status, res.body);
}

/**
 * `body` checked against its route's response schema (main/contract/control-api.ts). An answer that
 * does not match is a BrokerError naming the route and the first problem, never a crash further on.
 */
export function parseControlBody<S extends z.ZodType>(schema: S, body: unknown, route: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new BrokerError(
    'INTERNAL',
    `The broker's answer to ${route} does not match the control API${where}: ${issue?.message ?? 'invalid'}. Are the CLI and the running broker the same version?`,
  );
}

/**
 * Calls a control route and returns its answer parsed with `response`, the route's schema from the
 * contract. A non-2xx answer throws the broker's own BrokerError (see `expectOk`).
 */
export async function requestControl<S extends z.ZodType>(
  dataDir: string,
  method: string,
  path: string,
  response: S,
  body?: unknown,
): Promise<z.output<S>> {
  const res = await callControl(dataDir, method, path, body);
  return parseControlBody(response, expectOk(res), `${method} ${path}`);
}
