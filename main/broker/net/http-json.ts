import type { IncomingMessage, ServerResponse } from 'node:http';

import { BrokerError } from '../base/errors.js';
import { readBody } from './read-body.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** Sends a JSON body with `Cache-Control: no-store` (responses may describe credentials). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a JSON request body up to 1 MiB. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) throw new BrokerError('USAGE', 'Request body too large.');
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new BrokerError('USAGE', 'Request body is not valid JSON.');
  }
}
