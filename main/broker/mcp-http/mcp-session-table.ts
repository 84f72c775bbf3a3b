import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

import type { AccessTokenClaims } from '../authz/access-token.js';
import type { ResourceDenial } from './bearer-challenge.js';

/** One MCP session on an HTTP or WebSocket endpoint, bound to the client and person that opened it. */
export interface BoundSession {
  id: string;
  clientId: string;
  subject: string;
  /** Servers the session may use: the front session reads it on every request; updated per token. */
  scope: Set<string>;
  transport: Transport;
  /** Hands an authenticated HTTP request to the session's streamable HTTP transport (HTTP sessions only). */
  handleHttp?: (req: IncomingMessage, res: ServerResponse, parsedBody?: unknown) => Promise<void>;
  /** Tells the client its lists changed (after a step-up widened the scope). */
  notifyListsChanged: () => void;
  lastSeen: number;
}

/**
 * Session ids: 32 random bytes, base64url — visible ASCII only (0x21–0x7E), unguessable.
 * @see MCP 2025-11-25 basic/transports §Session Management
 */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Sessions one client (client id + subject) may hold open at once. */
export const MAX_SESSIONS_PER_CLIENT = 64;

/**
 * Live sessions by id. A session id never authenticates: every request is authenticated by its
 * token first, and a session is only found for a token of the same client and subject (checklist
 * RS-4) — anyone else gets 404, as if it did not exist. The limit is per client and subject, so one
 * client opening many sessions closes only its own oldest, never another client's (SEC-8).
 */
export class SessionTable {
  private readonly sessions = new Map<string, BoundSession>();

  constructor(
    private readonly maxPerClient = MAX_SESSIONS_PER_CLIENT,
    /** A session with no request for this long is closed when the next one starts (ms). */
    private readonly idleMs = 60 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Adds a session, closing idle ones; past the per-client limit that client's least recently used
   * session is closed.
   */
  add(session: BoundSession): void {
    const cutoff = this.now() - this.idleMs;
    for (const old of this.sessions.values()) if (old.lastSeen < cutoff) void this.close(old.id);
    const own = [...this.sessions.values()].filter(
      (s) => s.clientId === session.clientId && s.subject === session.subject,
    );
    if (own.length >= this.maxPerClient) {
      const oldest = own.sort((a, b) => a.lastSeen - b.lastSeen).slice(0, own.length - this.maxPerClient + 1);
      for (const old of oldest) void this.close(old.id);
    }
    this.sessions.set(session.id, session);
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  /** The session a request names, if it belongs to the token's client and subject. */
  lookup(
    req: IncomingMessage,
    claims: AccessTokenClaims,
  ): { session: BoundSession } | { denial: ResourceDenial } {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string' || id === '') {
      return {
        denial: {
          status: 400,
          rpcCode: -32000,
          description: 'Bad Request: Mcp-Session-Id header is required.',
        },
      };
    }
    const session = this.sessions.get(id);
    if (!session?.handleHttp || session.clientId !== claims.clientId || session.subject !== claims.subject) {
      return {
        denial: {
          status: 404,
          rpcCode: -32001,
          description: 'Session not found.',
          clientId: claims.clientId,
        },
      };
    }
    session.lastSeen = this.now();
    return { session };
  }

  /** Closes one session's transport (its front session then unsubscribes and audits the disconnect). */
  async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    await session?.transport.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}

/** Sets a session's scope to the servers a token grants; tells the client when it changed. */
export function applyGrantedScope(session: BoundSession, granted: ReadonlySet<string>): void {
  const same = granted.size === session.scope.size && [...granted].every((s) => session.scope.has(s));
  if (same) return;
  session.scope.clear();
  for (const server of granted) session.scope.add(server);
  session.notifyListsChanged();
}
