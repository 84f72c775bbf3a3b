import type { IncomingMessage } from 'node:http';

import type { z } from 'zod';

import { errorFromAnswer } from '../base/error-codes.js';
import { parseControlBody, sendControlRequest } from './control-client.js';

/**
 * Calls a streaming control route (NDJSON) of the running broker and hands each line, parsed with
 * the route's line schema `line`, to `onLine` as it arrives. Resolves when the stream ends;
 * BROKER_UNREACHABLE when no broker listens; a line that is not JSON or does not match `line` ends
 * the call with a BrokerError.
 * No overall timeout beyond `maxMs` (a device sign-in may take the person several minutes).
 */
export function streamControl<S extends z.ZodType>(
  dataDir: string,
  path: string,
  body: unknown,
  line: S,
  onLine: (value: z.output<S>) => void,
  maxMs = 30 * 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let buffered = '';
      let failed = false;
      const emit = (text: string) => {
        if (failed || !text.trim()) return;
        let value: unknown;
        try {
          value = JSON.parse(text) as unknown;
        } catch {
          value = text;
        }
        onLine(parseControlBody(line, value, `POST ${path}`));
      };
      const emitAll = (texts: string[]) => {
        try {
          texts.forEach(emit);
        } catch (error) {
          failed = true;
          res.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      res.setEncoding('utf8');
      const ok = (res.statusCode ?? 0) < 300;
      res.on('data', (chunk: string) => {
        buffered += chunk;
        // An error answer is one JSON body, read whole at the end.
        if (!ok) return;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        emitAll(lines);
      });
      res.on('end', () => {
        if (failed) return;
        if (!ok) {
          let parsed: unknown = undefined;
          try {
            parsed = JSON.parse(buffered) as unknown;
          } catch {
            /* not JSON: errorFromAnswer names the status */
          }
          reject(errorFromAnswer(res.statusCode ?? 0, parsed));
          return;
        }
        emitAll([buffered]);
        resolve();
      });
    };
    sendControlRequest(dataDir, { method: 'POST', path, body, timeoutMs: maxMs }, onResponse, reject);
  });
}
