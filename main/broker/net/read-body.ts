import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body of at most `limit` bytes. Resolves undefined as soon as the body grows past
 * the limit (the rest is not read; the caller answers 413 or its own refusal).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
