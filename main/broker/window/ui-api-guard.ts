import type { IncomingMessage } from 'node:http';

import { cliCommand } from '../runtime/cli-command.js';
import type { UiSessions } from './ui-session.js';

/** Why a browser-mode API request is refused: the status, a stable code and what the user can do. */
export interface UiApiRefusal {
  status: 401 | 403;
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  message: string;
}

const NO_SESSION = () =>
  `This browser has no session. Run "${cliCommand('ui')}" in a terminal and open the one-time login link it prints.`;
const NO_SECRET = () =>
  `This request does not carry the window’s session secret (the page was reloaded, or the request did not come from the broker’s window). Run "${cliCommand('ui')}" and open the new login link.`;

/** `Sec-Fetch-Site` values of requests made by the broker's own page (or typed by the person). */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

const isStateChanging = (req: IncomingMessage) => req.method !== 'GET' && req.method !== 'HEAD';

/**
 * The one check every browser-mode API request goes through, before any route runs:
 * the session cookie and that session's secret in `X-Broker-Session` (else 401: the cookie reaches
 * every other 127.0.0.1 port, so alone it authorizes nothing); a `Sec-Fetch-Site` other than
 * `same-origin`/`none` is refused (other ports of 127.0.0.1 are `same-site`); `Origin`, where present,
 * must be the broker's own, and state-changing calls must carry it.
 * @returns undefined when the request may proceed.
 */
export function refuseUiApiRequest(
  req: IncomingMessage,
  sessions: UiSessions,
  ownOrigin: string,
): UiApiRefusal | undefined {
  const auth = sessions.authenticate(req);
  if (auth !== 'ok')
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: auth === 'no-session' ? NO_SESSION() : NO_SECRET(),
    };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && !OWN_FETCH_SITES.has(site))
    return { status: 403, code: 'FORBIDDEN', message: `API calls from a ${site} page are refused.` };
  const origin = req.headers.origin;
  if (origin !== undefined ? origin !== ownOrigin : isStateChanging(req))
    return { status: 403, code: 'FORBIDDEN', message: 'API calls must come from the broker’s own page.' };
  return undefined;
}
