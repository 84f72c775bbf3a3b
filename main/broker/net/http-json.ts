import type { IncomingMessage, ServerResponse } from 'node:http';
import { BrokerError } from '../base/errors.js';

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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BrokerError('USAGE', 'Request body too large.');
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BrokerError('USAGE', 'Request body is not valid JSON.');
  }
}
