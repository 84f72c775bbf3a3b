import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  FollowServerLogBodySchema,
  MAX_LOG_LINES,
  type ServerLogBatch,
  type ServerLogResponse,
} from '../../contract/control-api.js';
import { BrokerError } from '../base/errors.js';
import { readJsonBody, sendJson } from '../net/http-json.js';
import { type Route, route } from '../net/route-table.js';

const DEFAULT_LINES = 100;

/** What the log routes ask of the running broker (part of `BrokerControl`). */
export interface ServerLogControl {
  /** The last `lines` lines of configured server `name`'s log; SERVER_NOT_FOUND for another name. */
  serverLog(name: string, lines: number): Promise<string[]>;
  /**
   * Calls `listener` with each batch written to `name`'s log from now on and `ended` when the broker
   * stops; returns the unsubscribe.
   */
  followServerLog(name: string, listener: (lines: string[]) => void, ended: () => void): () => void;
}

function linesParam(req: IncomingMessage): number {
  const text = new URL(req.url ?? '/', 'http://control').searchParams.get('lines');
  if (text === null) return DEFAULT_LINES;
  const lines = Number(text);
  if (!Number.isInteger(lines) || lines < 0 || lines > MAX_LOG_LINES)
    throw new BrokerError(
      'USAGE',
      `lines must be a whole number from 0 to ${String(MAX_LOG_LINES)}, got "${text}".`,
    );
  return lines;
}

/**
 * The last lines first, then each new batch as it is written, as NDJSON `{"lines": […]}`, until the
 * caller goes away. Subscribed before the tail is read, so nothing written meanwhile is lost; a
 * batch that the tail already holds is not sent twice.
 */
async function follow(control: ServerLogControl, req: IncomingMessage, res: ServerResponse, name: string) {
  const body = FollowServerLogBodySchema.safeParse((await readJsonBody(req)) ?? {});
  if (!body.success) throw new BrokerError('USAGE', `Body must be {"lines"?: 0…${String(MAX_LOG_LINES)}}.`);
  const early = { ended: false, batches: [] as string[][] };
  let send: (lines: string[]) => void = (lines) => early.batches.push(lines);
  let end: () => void = () => (early.ended = true);
  const unsubscribe = control.followServerLog(
    name,
    (lines) => send(lines),
    () => end(),
  );
  try {
    const tail = await control.serverLog(name, body.data.lines ?? DEFAULT_LINES);
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    send = (lines) => res.write(JSON.stringify({ lines } satisfies ServerLogBatch) + '\n');
    end = () => res.end();
    send(tail);
    const last = tail.at(-1);
    for (const lines of early.batches) if (last === undefined || !lines.includes(last)) send(lines);
    if (early.ended) res.end();
  } catch (error) {
    unsubscribe();
    throw error;
  }
  res.on('close', unsubscribe);
}

/** `GET /servers/:name/logs?lines=N` and `POST /servers/:name/logs/follow` (issue 15 point 3). */
export function serverLogRoutes(control: ServerLogControl): Route[] {
  return [
    route('GET', '/servers/:name/logs', async (req, res, { name }) => {
      const lines = await control.serverLog(name, linesParam(req));
      sendJson(res, 200, { server: name, lines } satisfies ServerLogResponse);
    }),
    route('POST', '/servers/:name/logs/follow', (req, res, { name }) => follow(control, req, res, name)),
  ];
}
