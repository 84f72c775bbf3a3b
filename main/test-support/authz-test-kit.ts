import { createHash, randomBytes } from 'node:crypto';

import type { AuditEventInput } from '../broker/audit/audit-event.js';
import { attachAuthorizationServer, type AuthorizationServer } from '../broker/authz/authorization-server.js';
import type { PendingConsents } from '../broker/authz/pending-consents.js';
import type { Clock } from '../broker/base/clock.js';
import { silentLogger } from '../broker/base/logger.js';
import { type LoopbackHttp, startLoopbackHttp } from '../broker/net/loopback-http.js';
import type { SecretStore } from '../broker/secrets/secret-store.js';
import { CookieJar } from './cookie-jar.js';
/** A SecretStore in memory (tests of code that keeps keys in the store, not of the store). */
import { MemorySecretStore } from './memory-secret-store.js';
import { makeTempDir } from './temp-dir.js';

export { MemorySecretStore };

export interface TestAuthzServer {
  as: AuthorizationServer;
  http: LoopbackHttp;
  issuer: string;
  events: AuditEventInput[];
  dataDir: string;
  store: SecretStore;
  close(): Promise<void>;
}

/**
 * The person at the keyboard, answering a consent request by its request code from one of their own
 * sessions (here: the broker's in-process API, as the desktop window does).
 */
export interface ConsentPerson {
  approve(requestCode: string, scopes?: string[]): Promise<void> | void;
  deny(requestCode: string): Promise<void> | void;
}

/** A person answering through the authorization server's pending consents (the window's path). */
export function windowPerson(pending: PendingConsents): ConsentPerson {
  return {
    approve: (code, scopes) => void pending.approve(code, 'window', scopes),
    deny: (code) => void pending.deny(code, 'window'),
  };
}

const people = new Map<string, ConsentPerson>();

/** Makes `person` answer consent requests at `issuer` for every BrowserJar that names no person. */
export function registerConsentPerson(issuer: string, person: ConsentPerson): () => void {
  people.set(issuer, person);
  return () => people.delete(issuer);
}

/** The request code a waiting consent page shows. */
export function requestCodeOf(html: string): string {
  const code = /id="request-code"[^>]*>([A-Z0-9-]+)</.exec(html)?.[1];
  if (!code) throw new Error(`no request code on the page: ${html.slice(0, 300)}`);
  return code;
}

/** Starts a loopback HTTP endpoint on port 0 with the broker's authorization server on it. */
export async function startTestAuthzServer(
  options: {
    servers?: string[];
    store?: SecretStore;
    dataDir?: string;
    clock?: Clock;
    allowLoopbackClientDocuments?: boolean;
  } = {},
): Promise<TestAuthzServer> {
  const events: AuditEventInput[] = [];
  const audit = { record: (e: AuditEventInput) => void events.push(e) };
  const tmp = options.dataDir === undefined ? makeTempDir('mab-authz-') : undefined;
  const dataDir = options.dataDir ?? tmp?.path ?? '';
  const http = await startLoopbackHttp(0, audit, 'test');
  const store = options.store ?? new MemorySecretStore();
  const as = await attachAuthorizationServer({
    http,
    servers: options.servers ?? ['alpha', 'beta'],
    store,
    dataDir,
    audit,
    logger: silentLogger(),
    clock: options.clock ?? { now: () => Date.now() },
    ...(options.allowLoopbackClientDocuments ? { allowLoopbackClientDocuments: true } : {}),
  });
  const unregister = registerConsentPerson(http.url, windowPerson(as.pendingConsents));
  return {
    as,
    http,
    issuer: http.url,
    events,
    dataDir,
    store,
    close: async () => {
      unregister();
      http.server.closeAllConnections();
      await new Promise((r) => http.server.close(r));
      tmp?.remove();
    },
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** RFC 7591 registration of a public native client; returns the parsed response. */
export async function registerClient(
  issuer: string,
  metadata: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token_endpoint_auth_method: 'none', ...metadata }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function tokenRequest(
  issuer: string,
  params: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Where a browser-like walk through the authorization endpoint ended. */
export type WalkEnd =
  | { kind: 'page'; url: string; status: number; html: string; headers: Headers }
  | { kind: 'redirect'; location: URL };

/**
 * The person's browser, as a cookie jar over fetch: follows the broker's own redirects and stops at
 * a page (consent, error) or at a redirect leaving the broker (back to the client).
 */
export class BrowserJar {
  private readonly cookies = new CookieJar();

  constructor(
    private readonly issuer: string,
    private readonly person?: ConsentPerson,
  ) {}

  async walk(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<WalkEnd> {
    let next = url;
    let method = init.method ?? 'GET';
    let body = init.body;
    for (let hops = 0; hops < 10; hops++) {
      const res = await fetch(next, {
        method,
        redirect: 'manual',
        headers: {
          cookie: this.cookies.header(),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      });
      this.cookies.store(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const target = new URL(location, next);
        if (target.origin !== this.issuer) return { kind: 'redirect', location: target };
        next = target.href;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { kind: 'page', url: next, status: res.status, html: await res.text(), headers: res.headers };
    }
    throw new Error('too many redirects');
  }

  /**
   * Answers the waiting consent `page`: `approve` has the person approve its request code (with
   * `scopes`, default: as asked) in their own session, then reloads the page as it reloads itself;
   * `deny` presses the page's own Cancel button.
   */
  async answer(page: WalkEnd, decision: 'approve' | 'deny', scopes?: string[]): Promise<WalkEnd> {
    if (page.kind !== 'page') throw new Error('not on a page');
    if (decision === 'approve') {
      const person = this.person ?? people.get(this.issuer);
      if (!person) throw new Error(`no consent person registered for ${this.issuer}`);
      await person.approve(requestCodeOf(page.html), scopes);
      return this.walk(page.url);
    }
    const action = /<form[^>]*action="([^"]+)"/.exec(page.html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
    if (!action || !csrf) throw new Error(`no consent form on the page: ${page.html.slice(0, 300)}`);
    return this.walk(new URL(action, page.url).href, {
      method: 'POST',
      body: new URLSearchParams({ csrf, decision }),
    });
  }
}

export function authorizeUrl(issuer: string, params: Record<string, string>): string {
  return `${issuer}/oauth/authorize?${new URLSearchParams({ response_type: 'code', ...params }).toString()}`;
}

export interface FlowOptions {
  clientId: string;
  redirectUri: string;
  scope?: string;
  state?: string;
  resource?: string;
  jar?: BrowserJar;
  /** Scopes to leave checked on the consent page (default: as shown). */
  approve?: string[];
  /** Who approves (default: the one registered for the issuer). */
  person?: ConsentPerson;
}

/** Authorization request with PKCE, approved on the consent page; returns the code and verifier. */
export async function authorizeAndApprove(
  issuer: string,
  options: FlowOptions,
): Promise<{ location: URL; code: string; verifier: string; jar: BrowserJar }> {
  const jar = options.jar ?? new BrowserJar(issuer, options.person);
  const { verifier, challenge } = pkcePair();
  const page = await jar.walk(
    authorizeUrl(issuer, {
      client_id: options.clientId,
      redirect_uri: options.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: options.state ?? 'state-1',
      resource: options.resource ?? `${issuer}/mcp`,
      ...(options.scope === undefined ? {} : { scope: options.scope }),
    }),
  );
  const end = page.kind === 'redirect' ? page : await jar.answer(page, 'approve', options.approve);
  if (end.kind !== 'redirect') throw new Error(`no redirect after consent: ${end.html.slice(0, 400)}`);
  return { location: end.location, code: end.location.searchParams.get('code') ?? '', verifier, jar };
}

/** Registers a client, approves it and exchanges the code: the whole dance for tests that need tokens. */
export async function obtainTokens(
  issuer: string,
  options: { scope?: string; redirectUri?: string; approve?: string[]; person?: ConsentPerson } = {},
): Promise<{ clientId: string; body: Record<string, unknown>; accessToken: string; refreshToken: string }> {
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:7777/callback';
  const reg = await registerClient(issuer, { client_name: 'Kit client', redirect_uris: [redirectUri] });
  const clientId = String(reg.body['client_id']);
  const flow = await authorizeAndApprove(issuer, {
    clientId,
    redirectUri,
    scope: options.scope ?? 'mcp:servers:alpha',
    ...(options.approve ? { approve: options.approve } : {}),
    ...(options.person ? { person: options.person } : {}),
  });
  const token = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    code: flow.code,
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: flow.verifier,
    resource: `${issuer}/mcp`,
  });
  return {
    clientId,
    body: token.body,
    accessToken: String(token.body['access_token']),
    refreshToken: String(token.body['refresh_token']),
  };
}
