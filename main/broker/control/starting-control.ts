import { createServer, type RequestListener, type Server } from 'node:http';

import type { StartingStatus } from '../../contract/status.js';
import { BROKER_VERSION } from '../base/version.js';
import { sendJson } from '../net/http-json.js';

/** The control socket's server, answering "starting" until the full control API takes over. */
export interface StartingControl {
  server: Server;
  /** Hands every later request to the full control API. */
  serve(listener: RequestListener): void;
}

/**
 * The control socket as it is right after the broker takes its lock (issue 10 point 7): `GET /status`
 * says `starting` (so `status` does not say "not running" while the lock is held) and every other
 * call answers 503 `BROKER_STARTING`, which the CLI waits out briefly. Once the broker is ready,
 * `serve()` switches the same listening socket to the full control API.
 */
export function createStartingControl(startedAt: string): StartingControl {
  let listener: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/status') {
      const status: StartingStatus = {
        state: 'starting',
        broker: { pid: process.pid, version: BROKER_VERSION, startedAt },
      };
      sendJson(res, 200, status);
      return;
    }
    sendJson(res, 503, {
      code: 'BROKER_STARTING',
      message: 'The broker is still starting; try again in a moment.',
    });
  };
  return {
    server: createServer((req, res) => listener(req, res)),
    serve: (next) => (listener = next),
  };
}
