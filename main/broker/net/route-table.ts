import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendJson } from './http-json.js';

/**
 * The one shape of the broker's hand-routed HTTP APIs (the control socket, browser mode's `/api`, the
 * RFC 9728 metadata, `/healthz`): a route is a method, a path pattern with `:named` segments and a
 * handler. Every table answers what does not match the same way (RFC 9110 §15.5):
 * - no route has the path → 404 `NOT_FOUND`;
 * - routes have the path but not the method → 405 `METHOD_NOT_ALLOWED` with `Allow` (§10.2.1);
 * - a `:param` segment that is not valid percent-encoded UTF-8 → 400 `USAGE`, never a throw.
 *
 * HEAD and OPTIONS are not implied: a method is served only where a route declares it (the RFC 9728
 * metadata declares HEAD beside GET). A `HEAD` or `OPTIONS` on a path that has routes gets the 405
 * and its `Allow`; no `Access-Control-*` header is ever sent, so a cross-origin preflight fails.
 * These are APIs for the broker's own CLI and window, not documents, and an implied HEAD would also
 * hold open streaming GETs such as server-sent events.
 *
 * Literal segments are compared as sent (still percent-encoded: `/sta%74us` is not `/status`); only
 * `:param` segments are decoded, and must not be empty. A trailing slash is a different path.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The `:named` segments of a path pattern, e.g. `'name'` for `/secrets/:name`. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** Decoded values of a route's `:named` segments. */
export type RouteParams<Name extends string = string> = Readonly<Record<Name, string>>;

export type RouteHandler<Name extends string = string> = (
  req: IncomingMessage,
  res: ServerResponse,
  params: RouteParams<Name>,
) => Promise<void> | void;

export interface Route {
  method: HttpMethod;
  /** `/segment/:name/…`: literal segments and named parameters, each a whole segment. */
  path: string;
  handler: RouteHandler;
}

/** A route whose handler's `params` are typed from the path: `route('PUT', '/secrets/:name', …)`. */
export function route<P extends string>(
  method: HttpMethod,
  path: P,
  handler: RouteHandler<PathParams<P>>,
): Route {
  // The matcher hands the handler exactly the named segments of `path`, each decoded.
  return { method, path, handler };
}

/** Why a request found no route; the caller renders it in its API's error shape. */
export interface RouteRefusal {
  status: 400 | 404 | 405;
  code: 'USAGE' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED';
  message: string;
  /** On 405: the path's methods, the value of the `Allow` header. */
  allow?: string;
}

export type RouteMatch = { route: Route; params: RouteParams } | { refusal: RouteRefusal };

type Segment = { literal: string } | { param: string };

interface Compiled {
  route: Route;
  segments: Segment[];
}

export interface RouteTable {
  match(method: string | undefined, path: string): RouteMatch;
}

export interface RouteTableOptions {
  /** What a route is called in the 404 message, `No <noun> GET /x` (e.g. `control route`). */
  noun: string;
}

function compile(route: Route): Compiled {
  if (!route.path.startsWith('/')) throw new Error(`Route path ${route.path} must start with "/"`);
  const segments = route.path
    .slice(1)
    .split('/')
    .map((part): Segment => {
      if (!part.startsWith(':')) return { literal: part };
      if (!/^:[A-Za-z_][A-Za-z0-9_]*$/.test(part)) throw new Error(`Bad parameter ${part} in ${route.path}`);
      return { param: part.slice(1) };
    });
  return { route, segments };
}

/** The raw values of the `:param` segments when `parts` has the pattern's shape, else undefined. */
function rawParams(segments: Segment[], parts: string[]): [string, string][] | undefined {
  if (parts.length !== segments.length) return undefined;
  const raw: [string, string][] = [];
  for (const [i, segment] of segments.entries()) {
    const part = parts[i] ?? '';
    if ('literal' in segment) {
      if (part !== segment.literal) return undefined;
    } else if (part === '') return undefined;
    else raw.push([segment.param, part]);
  }
  return raw;
}

function decodeParams(raw: [string, string][]): RouteParams | undefined {
  const params: Record<string, string> = {};
  try {
    for (const [name, value] of raw) params[name] = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return params;
}

/** Paths echoed in messages are bounded. */
const shown = (path: string) => (path.length > 200 ? `${path.slice(0, 200)}…` : path);

/**
 * Builds a table; routes are tried in order and the first with the path and method wins. A second
 * route with the same method and pattern is a programming error and throws here, at startup.
 */
export function createRouteTable(routes: readonly Route[], options: RouteTableOptions): RouteTable {
  const compiled = routes.map(compile);
  const seen = new Set<string>();
  for (const { method, path } of routes) {
    const key = `${method} ${path.replace(/:[^/]+/g, ':')}`;
    if (seen.has(key)) throw new Error(`Two routes for ${method} ${path}`);
    seen.add(key);
  }
  return {
    match(method, path) {
      const parts = path.startsWith('/') ? path.slice(1).split('/') : undefined;
      const allow: string[] = [];
      for (const entry of parts ? compiled : []) {
        const raw = rawParams(entry.segments, parts ?? []);
        if (!raw) continue;
        if (entry.route.method !== method) {
          if (!allow.includes(entry.route.method)) allow.push(entry.route.method);
          continue;
        }
        const params = decodeParams(raw);
        if (!params)
          return {
            refusal: { status: 400, code: 'USAGE', message: 'The path is not valid percent-encoded UTF-8.' },
          };
        return { route: entry.route, params };
      }
      const request = `${method ?? ''} ${shown(path)}`;
      if (allow.length === 0)
        return { refusal: { status: 404, code: 'NOT_FOUND', message: `No ${options.noun} ${request}` } };
      const methods = allow.join(', ');
      return {
        refusal: {
          status: 405,
          code: 'METHOD_NOT_ALLOWED',
          message: `${request}: method not allowed; use ${methods}.`,
          allow: methods,
        },
      };
    },
  };
}

/**
 * Routes one request: runs the matching route's handler (a throw becomes a rejection), or sets
 * `Allow` on a 405 and hands the refusal to `refuse`, which answers in the API's own error shape.
 */
export function routeRequest(
  table: RouteTable,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  refuse: (res: ServerResponse, refusal: RouteRefusal) => void,
): Promise<void> {
  const hit = table.match(req.method, path);
  if ('refusal' in hit) {
    if (hit.refusal.allow !== undefined) res.setHeader('allow', hit.refusal.allow);
    refuse(res, hit.refusal);
    return Promise.resolve();
  }
  // Runs the handler now; a synchronous throw rejects like an async one.
  return new Promise<void>((resolve) => resolve(hit.route.handler(req, res, hit.params)));
}

/** Answers a refusal as `{code, message}`, the shape of the control API and browser mode's `/api`. */
export function sendRefusal(res: ServerResponse, refusal: RouteRefusal): void {
  sendJson(res, refusal.status, { code: refusal.code, message: refusal.message });
}

const OAUTH_ERRORS = {
  USAGE: 'invalid_request',
  NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
};

/**
 * Answers a refusal as `{error, error_description}`, the shape of the loopback port's other answers
 * (`/healthz`, the RFC 9728 metadata), which it shares with the OAuth endpoints.
 */
export function sendOAuthRefusal(res: ServerResponse, refusal: RouteRefusal): void {
  sendJson(res, refusal.status, { error: OAUTH_ERRORS[refusal.code], error_description: refusal.message });
}
