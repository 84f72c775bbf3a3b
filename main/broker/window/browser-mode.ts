import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BrokerApiError, isBrokerApiMethod, parseApiInput } from '../../contract/window-api.js';
import { httpStatusForCode } from '../base/error-codes.js';
import { BrokerError, messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { escapeHtml, sendHtmlPage } from '../net/html-page.js';
import { readJsonBody, sendJson } from '../net/http-json.js';
import type { LoopbackHttp } from '../net/loopback-http.js';
import { mediaTypeOf } from '../net/media-type.js';
import { createRouteTable, type Route, route, routeRequest, sendRefusal } from '../net/route-table.js';
import { cliCommand } from '../runtime/cli-command.js';
import type { BrokerApiCore } from './broker-api-core.js';
import { consentHandlers } from './broker-features.js';
import { refuseUiApiRequest } from './ui-api-guard.js';
import { type UiLogin, UiSessions } from './ui-session.js';

/** The `<meta>` in the login page's head that hands the page its per-session secret. */
export const SESSION_SECRET_META = 'mab-session';

/** Strict CSP of the UI pages: only the broker's own scripts, styles and API; never framed. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': UI_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Built renderer: `dist/renderer`, from both `dist/main/broker/api` and the sources. */
export function defaultRendererDir(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return basename(root) === 'dist' ? join(root, 'renderer') : join(root, 'dist', 'renderer');
}

function page(
  res: ServerResponse,
  status: number,
  title: string,
  text: string,
  extra: { head?: string; headers?: Record<string, string> } = {},
): void {
  const { 'content-security-policy': csp, ...headers } = SECURITY_HEADERS;
  sendHtmlPage(
    res,
    status,
    {
      title,
      body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`,
      ...(extra.head === undefined ? {} : { head: extra.head }),
    },
    { csp: () => csp, headers: { ...headers, ...extra.headers } },
  );
}

const NOT_SIGNED_IN = () =>
  `This browser has no session. Run "${cliCommand('ui')}" in a terminal and open the one-time login link it prints.`;

const NOT_BUILT = 'The UI has not been built. Run "npm run build" in the project folder.';

function sendError(res: ServerResponse, error: unknown, redact: (text: string) => string): void {
  const code = error instanceof BrokerError || error instanceof BrokerApiError ? error.code : 'INTERNAL';
  sendJson(res, httpStatusForCode(code), { code, message: redact(messageOf(error)) });
}

export interface BrowserModeOptions {
  http: LoopbackHttp;
  api: BrokerApiCore;
  sessions: UiSessions;
  logger: Logger;
  rendererDir?: string;
  /** Scrubs known secrets from error messages before they leave (SEC-5). */
  redact?: (text: string) => string;
}

/**
 * Browser mode: the built renderer at `/ui/` (behind the session cookie), the contract at
 * `POST /api/call/<method>` and the live stream as server-sent events at `GET /api/events`. Every
 * `/api` request first passes {@link refuseUiApiRequest}: cookie plus the session's secret header,
 * `Sec-Fetch-Site` and `Origin`. The loopback guard has already refused foreign `Host` and `Origin`.
 */
export function mountBrowserMode(options: BrowserModeOptions): void {
  const { http, sessions } = options;
  const redact = options.redact ?? ((text: string) => text);
  const dir = options.rendererDir ?? defaultRendererDir();
  http.route('/ui', (req, res, url) => {
    if (url.pathname === '/ui/login') login(res, url, sessions, dir);
    else if (url.pathname === '/ui') redirect(res, '/ui/');
    else if (!sessions.hasSessionCookie(req)) page(res, 401, 'Sign-in needed', NOT_SIGNED_IN());
    else serveStatic(res, dir, url.pathname.slice('/ui/'.length));
  });
  const table = createRouteTable(apiRoutes(options, redact), { noun: 'API call' });
  http.route('/api', (req, res, url) => {
    const refusal = refuseUiApiRequest(req, sessions, http.url);
    if (refusal) {
      sendJson(res, refusal.status, { code: refusal.code, message: refusal.message });
      return;
    }
    return routeRequest(table, req, res, url.pathname, sendRefusal);
  });
}

/** `GET /api/events` and `POST /api/call/<method>`, run once {@link refuseUiApiRequest} let a request by. */
function apiRoutes(options: BrowserModeOptions, redact: (text: string) => string): Route[] {
  const { api, logger } = options;
  return [
    route('GET', '/api/events', (req, res) => events(req, res, api)),
    route('POST', '/api/call/:method', async (req, res, { method }) => {
      if (!isBrokerApiMethod(method)) {
        sendJson(res, 404, {
          code: 'NOT_FOUND',
          message: `No API call ${req.method ?? ''} /api/call/${method}`,
        });
        return;
      }
      if (mediaTypeOf(req.headers['content-type']) !== 'application/json') {
        sendJson(res, 415, { code: 'BAD_REQUEST', message: 'Send the arguments as application/json.' });
        return;
      }
      try {
        const input = parseApiInput(method, await readJsonBody(req));
        // The same calls as the window's, but a consent decision is recorded as made in browser mode.
        const calls = { ...api, ...consentHandlers(api.features, 'ui') };
        const handler = calls[method] as (input: unknown) => Promise<unknown>;
        sendJson(res, 200, await handler(input));
      } catch (error) {
        logger.debug({ method, err: messageOf(error) }, 'UI API call failed');
        sendError(res, error, redact);
      }
    }),
  ];
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { ...headers, location, 'cache-control': 'no-store' });
  res.end();
}

function login(res: ServerResponse, url: URL, sessions: UiSessions, dir: string): void {
  const session = sessions.redeemLoginToken(url.searchParams.get('token') ?? '');
  if (session === undefined) {
    page(
      res,
      401,
      'Login link not valid',
      `This login link was already used or has expired (links work once, for 5 minutes). Run "${cliCommand('ui')}" for a new one.`,
    );
    return;
  }
  windowWithSecret(res, dir, session);
}

/**
 * The login answer: the window itself, its head carrying the session's secret in a `<meta>` the page
 * reads into memory (never a cookie, storage or URL), and the session cookie. A reload loses the
 * secret on purpose: the cookie alone must not be enough to get it back.
 */
function windowWithSecret(res: ServerResponse, dir: string, login: UiLogin): void {
  const meta = `<meta name="${SESSION_SECRET_META}" content="${login.secret}">`;
  const headers = { 'set-cookie': UiSessions.cookieFor(login.session) };
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    page(res, 503, 'Window not built', NOT_BUILT, { head: meta, headers });
    return;
  }
  const html = readFileSync(index, 'utf8').replace(/<head[^>]*>/i, (head) => head + meta);
  res.writeHead(200, { ...SECURITY_HEADERS, ...headers, 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

function serveStatic(res: ServerResponse, dir: string, relative: string): void {
  if (!existsSync(join(dir, 'index.html'))) {
    page(res, 503, 'Window not built', NOT_BUILT);
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    page(res, 400, 'Bad request', 'The address is not valid percent-encoded UTF-8.');
    return;
  }
  const target = normalize(join(dir, decoded));
  const inside = target.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  const file = inside && existsSync(target) && statSync(target).isFile() ? target : join(dir, 'index.html');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
  });
  res.end(readFileSync(file));
}

function events(req: IncomingMessage, res: ServerResponse, api: BrokerApiCore): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  const stop = api.onEvent((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
  heartbeat.unref();
  req.once('close', () => {
    clearInterval(heartbeat);
    stop();
  });
}
