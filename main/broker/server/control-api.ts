import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { BrokerError, isBrokerError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { readJsonBody, sendJson } from './http-json.js';

/** What the control API can ask of the running broker. Implemented by the Broker. */
export interface BrokerControl {
  status(): unknown;
  listSecrets(): Promise<string[]>;
  setSecret(name: string, value: string): Promise<{ restarted: string[] }>;
  deleteSecret(name: string): Promise<boolean>;
  restartServer(name: string): Promise<void>;
}

const SecretBody = z.object({ value: z.string().min(1) }).strict();

type Route = (req: IncomingMessage, res: ServerResponse, arg: string) => Promise<void>;

function routes(control: BrokerControl): [string, RegExp, Route][] {
  return [
    [
      'GET',
      /^\/status$/,
      (_q, res) => {
        sendJson(res, 200, control.status());
        return Promise.resolve();
      },
    ],
    ['GET', /^\/secrets$/, async (_q, res) => sendJson(res, 200, { names: await control.listSecrets() })],
    [
      'PUT',
      /^\/secrets\/([^/]+)$/,
      async (req, res, name) => {
        const body = SecretBody.safeParse(await readJsonBody(req));
        if (!body.success) throw new BrokerError('USAGE', 'Body must be {"value": "<non-empty string>"}.');
        sendJson(res, 200, await control.setSecret(name, body.data.value));
      },
    ],
    [
      'DELETE',
      /^\/secrets\/([^/]+)$/,
      async (_q, res, name) => sendJson(res, 200, { deleted: await control.deleteSecret(name) }),
    ],
    [
      'POST',
      /^\/servers\/([^/]+)\/restart$/,
      async (_q, res, name) => {
        await control.restartServer(name);
        sendJson(res, 200, { restarted: name });
      },
    ],
  ];
}

function statusFor(error: unknown): number {
  if (isBrokerError(error, 'SERVER_NOT_FOUND') || isBrokerError(error, 'SECRET_NOT_FOUND')) return 404;
  if (isBrokerError(error, 'USAGE') || isBrokerError(error, 'SECRET_NAME_INVALID')) return 400;
  if (isBrokerError(error, 'SECRET_STORE_UNAVAILABLE')) return 503;
  return 500;
}

/**
 * The CLI's channel to a running broker: HTTP over the same-user Unix socket (0600) or named pipe.
 * It is never exposed on TCP. Errors come back as `{code, message}`.
 */
export function createControlServer(control: BrokerControl, logger: Logger): Server {
  const table = routes(control);
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    const hit = table.find(([method, pattern]) => method === req.method && pattern.test(path));
    if (!hit) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `No control route ${req.method ?? ''} ${path}` });
      return;
    }
    const arg = decodeURIComponent(hit[1].exec(path)?.[1] ?? '');
    hit[2](req, res, arg).catch((error: unknown) => {
      logger.debug({ err: messageOf(error) }, 'control request failed');
      const code = error instanceof BrokerError ? error.code : 'INTERNAL';
      sendJson(res, statusFor(error), { code, message: messageOf(error) });
    });
  });
}
