import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form body fields (empty for other bodies). */
  form: Record<string, string>;
}

export interface CaptureReply {
  status?: number;
  json: unknown;
}

/**
 * A loopback HTTP server that records every request (method, path, headers, form body) and answers
 * from a queue of canned JSON replies per path — for checking the exact request shapes the broker
 * sends to providers it must never call for real in tests (GitHub, Google, Entra).
 */
export interface CaptureServer {
  origin: string;
  requests: CapturedRequest[];
  reply(path: string, ...replies: CaptureReply[]): void;
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const queues = new Map<string, CaptureReply[]>();
  const requests: CapturedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = Buffer.concat(chunks).toString('utf8');
      const isForm = (req.headers['content-type'] ?? '').includes('form-urlencoded');
      const form = isForm ? Object.fromEntries(new URLSearchParams(body)) : {};
      requests.push({ method: req.method ?? '', path, headers: req.headers, form });
      const queue = queues.get(path) ?? [];
      const next = queue.length > 1 ? queue.shift() : queue[0];
      res.writeHead(next?.status ?? (next ? 200 : 404), { 'content-type': 'application/json' });
      res.end(JSON.stringify(next?.json ?? { error: 'not_found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    requests,
    reply: (path, ...replies) => queues.set(path, replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
