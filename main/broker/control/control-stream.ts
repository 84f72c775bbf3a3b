import type { IncomingMessage } from 'node:http';

import { errorFromAnswer } from '../base/error-codes.js';
import { sendControlRequest } from './control-client.js';

/**
 * Calls a streaming control route (NDJSON) of the running broker and hands each parsed line to
 * `onLine` as it arrives. Resolves when the stream ends; BROKER_UNREACHABLE when no broker listens.
 * No overall timeout beyond `maxMs` (a device sign-in may take the person several minutes).
 */
export function streamControl(
  dataDir: string,
  path: string,
  body: unknown,
  onLine: (value: unknown) => void,
  maxMs = 30 * 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let buffered = '';
      const emit = (line: string) => {
        if (line.trim()) onLine(JSON.parse(line) as unknown);
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        lines.forEach(emit);
      });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) {
          let parsed: unknown = undefined;
          try {
            parsed = JSON.parse(buffered) as unknown;
          } catch {
            /* not JSON: errorFromAnswer names the status */
          }
          reject(errorFromAnswer(res.statusCode ?? 0, parsed));
          return;
        }
        emit(buffered);
        resolve();
      });
    };
    sendControlRequest(dataDir, { method: 'POST', path, body, timeoutMs: maxMs }, onResponse, reject);
  });
}
