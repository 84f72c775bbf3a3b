import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';

/** Name of the browser-mode session cookie. */
export const SESSION_COOKIE = 'mab_ui';
/** A login link works once, within this time. */
export const LOGIN_LINK_TTL_MS = 5 * 60_000;
/** A browser session lasts this long (then a new login link is needed). */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

const hash = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may use browser mode: only the local user, proven by a one-time login link that `serve` or
 * `mcp-auth-broker ui` prints (readable only by that user). Opening it swaps the link's random token
 * for an HttpOnly, SameSite=Strict session cookie. Only SHA-256 hashes of tokens are kept in memory.
 */
export class UiSessions {
  private readonly links = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** A new single-use login token (32 random bytes, base64url), valid for 5 minutes. */
  issueLoginToken(): string {
    this.prune();
    const token = randomBytes(32).toString('base64url');
    this.links.set(hash(token).toString('hex'), this.clock.now() + LOGIN_LINK_TTL_MS);
    return token;
  }

  /** Consumes a login token; returns a new session id, or undefined when the token is unknown, used or expired. */
  redeemLoginToken(token: string): string | undefined {
    const key = hash(token).toString('hex');
    const expires = this.links.get(key);
    this.links.delete(key);
    if (expires === undefined || expires < this.clock.now()) return undefined;
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(hash(session).toString('hex'), this.clock.now() + SESSION_TTL_MS);
    return session;
  }

  /** True when the request carries a live session cookie. */
  isAuthenticated(req: IncomingMessage): boolean {
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session === undefined) return false;
    const presented = hash(session);
    for (const [key, expires] of this.sessions) {
      if (timingSafeEqual(Buffer.from(key, 'hex'), presented)) return expires >= this.clock.now();
    }
    return false;
  }

  /** The Set-Cookie header value for a new session. */
  static cookieFor(session: string): string {
    return `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${String(SESSION_TTL_MS / 1000)}`;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const table of [this.links, this.sessions]) {
      for (const [key, expires] of table) if (expires < now) table.delete(key);
    }
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
