import type { IncomingMessage } from 'node:http';

import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describe, expect, it } from 'vitest';

import type { AccessTokenClaims } from '../authz/access-token.js';
import { applyGrantedScope, type BoundSession, newSessionId, SessionTable } from './mcp-session-table.js';

/** A transport that only records whether it was closed (the table's sole use of it). */
function session(id: string, lastSeen: number, closed: string[], clientId = 'client-a'): BoundSession {
  const transport = { close: () => (closed.push(id), Promise.resolve()) } as unknown as Transport;
  return {
    id,
    clientId,
    subject: 'alice',
    scope: new Set(['alpha']),
    transport,
    handleHttp: () => Promise.resolve(),
    notifyListsChanged: () => undefined,
    lastSeen,
  };
}

const claims = (clientId: string, subject: string): AccessTokenClaims => ({
  clientId,
  subject,
  scopes: [],
  audience: [],
  expiresAt: 0,
});
const request = (id?: string) =>
  ({ headers: id === undefined ? {} : { 'mcp-session-id': id } }) as unknown as IncomingMessage;

describe('SessionTable', () => {
  it('TR-4 session ids are 43 visible-ASCII characters and do not repeat', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newSessionId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[\x21-\x7E]{43}$/);
  });

  it('RS-4 finds a session only for the client and subject it is bound to', () => {
    const table = new SessionTable();
    table.add(session('s1', 0, []));
    expect('session' in table.lookup(request('s1'), claims('client-a', 'alice'))).toBe(true);
    expect(table.lookup(request('s1'), claims('client-b', 'alice'))).toMatchObject({
      denial: { status: 404 },
    });
    expect(table.lookup(request('s1'), claims('client-a', 'bob'))).toMatchObject({ denial: { status: 404 } });
    expect(table.lookup(request(), claims('client-a', 'alice'))).toMatchObject({ denial: { status: 400 } });
  });

  it('closes idle sessions and, past the per-client limit, that client’s least recently used one', () => {
    let now = 1_000_000;
    const closed: string[] = [];
    const table = new SessionTable(2, 60_000, () => now);
    table.add(session('old', now - 120_000, closed));
    table.add(session('a', now - 10, closed));
    expect(closed).toEqual(['old']);
    table.add(session('b', now - 5, closed));
    now += 1;
    table.add(session('c', now, closed));
    expect(closed).toEqual(['old', 'a']);
    expect(table.size).toBe(2);
  });

  it('SEC-8 one client opening many sessions evicts only its own oldest, never another client’s', () => {
    let now = 1_000_000;
    const closed: string[] = [];
    const table = new SessionTable(64, 60 * 60_000, () => now);
    table.add(session('victim', now, closed, 'client-b'));
    for (let i = 0; i < 300; i += 1) {
      now += 1;
      table.add(session(`flood-${i}`, now, closed, 'client-a'));
    }
    expect(closed).not.toContain('victim');
    expect('session' in table.lookup(request('victim'), claims('client-b', 'alice'))).toBe(true);
    // client-a keeps its 64 newest sessions; its oldest went first.
    expect(closed).toHaveLength(300 - 64);
    expect(closed[0]).toBe('flood-0');
    expect('session' in table.lookup(request('flood-299'), claims('client-a', 'alice'))).toBe(true);
    expect(table.size).toBe(65);
  });

  it('widens a session to a wider token and tells the client its lists changed', () => {
    let notified = 0;
    const s = {
      ...session('s', 0, []),
      notifyListsChanged: () => {
        notified += 1;
      },
    };
    applyGrantedScope(s, new Set(['alpha']));
    expect(notified).toBe(0);
    applyGrantedScope(s, new Set(['alpha', 'beta']));
    expect([...s.scope].sort()).toEqual(['alpha', 'beta']);
    expect(notified).toBe(1);
  });
});
