import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { Clock } from '../base/clock.js';

/** Name of the browser-mode session cookie. */
export const SESSION_COOKIE = 'mab_ui';
/** A login link works once, within this time. */
export const LOGIN_LINK_TTL_MS = 5 * 60_000;
/** A browser session lasts this long (then a new login link is needed). */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

/** Header in which the window sends its per-session secret on every API call. */
export const SESSION_HEADER = 'x-broker-session';

const hash = (value: string) => createHash('sha256').update(value).digest();

/** What redeeming a login link gives: the cookie's session id, and the secret the page keeps in memory. */
export interface UiLogin {
  session: string;
  secret: string;
}

/** A request's standing: signed in (cookie and its session's secret), or why not. */
export type UiAuth = 'ok' | 'no-session' | 'bad-secret';

interface SessionEntry {
  expires: number;
  secretHash: Buffer;
}

/**
 * Who may use browser mode: only the local user, proven by a one-time login link that `serve` or
 * `mcp-auth-broker ui` prints (readable only by that user). Opening it swaps the link's random token
 * for an HttpOnly, SameSite=Strict session cookie plus a per-session secret that the page keeps in
 * memory and sends in the `X-Broker-Session` header. Cookies ignore ports (every other 127.0.0.1 port
 * receives this one), so the cookie alone authorizes nothing: a browser never sends the header by itself.
 * Only SHA-256 hashes of tokens and secrets are kept in memory.
 */
export class UiSessions {
  private readonly links = new Map<string, number>();
  private readonly sessions = new Map<string, SessionEntry>();

  constructor(private readonly clock: Clock) {}

  /** A new single-use login token (32 random bytes, base64url), valid for 5 minutes. */
  issueLoginToken(): string {
    this.prune();
    const token = randomBytes(32).toString('base64url');
    this.links.set(hash(token).toString('hex'), this.clock.now() + LOGIN_LINK_TTL_MS);
    return token;
  }

  /**
   * Consumes a login token; returns a new session id (for the cookie) and its secret (for the page),
   * or undefined when the token is unknown, used or expired.
   */
  redeemLoginToken(token: string): UiLogin | undefined {
    const key = hash(token).toString('hex');
    const expires = this.links.get(key);
    this.links.delete(key);
    if (expires === undefined || expires < this.clock.now()) return undefined;
    const session = randomBytes(32).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    this.sessions.set(hash(session).toString('hex'), {
      expires: this.clock.now() + SESSION_TTL_MS,
      secretHash: hash(secret),
    });
    return { session, secret };
  }

  /** True when the request carries a live session cookie (enough for the UI's static files only). */
  hasSessionCookie(req: IncomingMessage): boolean {
    return this.find(req) !== undefined;
  }

  /**
   * The API's check: a live session cookie and, in `X-Broker-Session`, the secret of that same
   * session, compared in constant time (of SHA-256 hashes, so lengths never differ).
   */
  authenticate(req: IncomingMessage): UiAuth {
    const entry = this.find(req);
    if (entry === undefined) return 'no-session';
    const header = req.headers[SESSION_HEADER];
    const presented = hash(typeof header === 'string' ? header : '');
    return timingSafeEqual(entry.secretHash, presented) && header ? 'ok' : 'bad-secret';
  }

  private find(req: IncomingMessage): SessionEntry | undefined {
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session === undefined) return undefined;
    const presented = hash(session);
    for (const [key, entry] of this.sessions) {
      if (timingSafeEqual(Buffer.from(key, 'hex'), presented))
        return entry.expires >= this.clock.now() ? entry : undefined;
    }
    return undefined;
  }

  /** The Set-Cookie header value for a new session. */
  static cookieFor(session: string): string {
    return `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${String(SESSION_TTL_MS / 1000)}`;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [key, expires] of this.links) if (expires < now) this.links.delete(key);
    for (const [key, entry] of this.sessions) if (entry.expires < now) this.sessions.delete(key);
  }
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
