import { request } from 'node:http';
import { BrokerError } from '../errors.js';
import { runtimePaths } from '../paths.js';

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
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: runtimePaths(dataDir).controlSocket,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
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
            const parsed = JSON.parse(buffered || '{}') as { message?: string };
            reject(
              new BrokerError('USAGE', parsed.message ?? `Broker answered HTTP ${String(res.statusCode)}`),
            );
            return;
          }
          emit(buffered);
          resolve();
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
    req.setTimeout(maxMs, () => req.destroy(new Error('control stream timed out')));
    req.end(payload);
  });
}
