import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { calculateJwkThumbprint, createRemoteJWKSet, EmbeddedJWK, jwtVerify } from 'jose';
import { WebSocketServer } from 'ws';
import { z } from 'zod';

import { WebSocketTransport } from '../broker/mcp-http/websocket-transport.js';

/* eslint-disable @typescript-eslint/no-deprecated -- the legacy HTTP+SSE server transport is the point of the SSE variant */

/**
 * A real protected remote MCP server for the issue-5 tests: an SDK McpServer on 127.0.0.1 over
 * streamable HTTP (`/mcp`), legacy HTTP+SSE (`/sse` + `/messages`) or WebSocket (`/ws`), behind bearer
 * auth that verifies JWT access tokens of its authorization server (issuer, `aud` = this server),
 * serving RFC 9728 metadata (path-suffixed, at the root, or only via the challenge). The tool
 * `admin_action` needs scope `mcp:admin` (403 insufficient_scope otherwise, RFC 6750 §3.1).
 */
export type RemoteKind = 'streamable-http' | 'sse' | 'websocket';

export interface ProtectedServerOptions {
  kind?: RemoteKind;
  /** Where RFC 9728 metadata is served: path-suffixed (default), only at the root, or nowhere. */
  metadataAt?: 'path' | 'root' | 'none';
  /** Put `resource_metadata` in the 401 challenge (default true). */
  challengeMetadata?: boolean;
  /**
   * The authorization server named in the metadata; undefined = no bearer auth at all;
   * `same-origin`: this server's own origin, with `otherwise` serving it (issue 13.4).
   */
  authorizationServer?: string;
  /** Handles every request that is not MCP or RFC 9728 metadata (an AS on the same origin). */
  otherwise?: (req: IncomingMessage, res: ServerResponse) => unknown;
  /** For `websocket`: the X-Api-Key value the upgrade must carry (static header auth). */
  apiKey?: string;
  /**
   * DPoP-bound tokens (RFC 9449 §7): `Authorization: DPoP …` with a proof signed by the token's
   * key (`cnf.jkt`) carrying this server's current `DPoP-Nonce`; a bound token as a bearer fails.
   */
  dpop?: boolean;
}

export interface ProtectedRemoteServer {
  origin: string;
  /** The MCP endpoint (`/mcp`, `/sse` or `/ws`) and the resource URI. */
  url: string;
  /** `METHOD path status` of every request (no headers, no tokens). */
  log: string[];
  /** From now on trusts (and names in its metadata) another authorization server (issue 13.5). */
  switchAuthorizationServer(issuer: string): void;
  /** Closes and listens again on the same port: every session is gone. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The SDK hands `req.auth` to tool handlers as `authInfo` (per request, not per session). */
type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

function buildMcpServer(): McpServer {
  const server = new McpServer({ name: 'protected-remote', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The caller of the token' }, (extra) => {
    const info = extra.authInfo;
    const who = info ? { sub: info.extra?.['sub'], scopes: info.scopes } : { sub: 'anonymous', scopes: [] };
    return { content: [{ type: 'text', text: JSON.stringify(who) }] };
  });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('admin_action', { description: 'Needs mcp:admin' }, () => ({
    content: [{ type: 'text', text: 'admin done' }],
  }));
  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}

const needsAdmin = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  (body as { method?: unknown }).method === 'tools/call' &&
  (body as { params?: { name?: unknown } }).params?.name === 'admin_action';

type Session = StreamableHTTPServerTransport | SSEServerTransport;
type Verified = { sub: string; scopes: string[] };
/** The caller, or `use_dpop_nonce` (a valid proof without this server's nonce), or undefined. */
type Verify = (req: IncomingMessage) => Promise<Verified | 'use_dpop_nonce' | undefined>;

/** Where the server lives and what it serves; `sessions` is replaced on restart. */
interface Site {
  kind: RemoteKind;
  origin: string;
  url: string;
  prmUrl: string;
  options: ProtectedServerOptions;
  sessions: Map<string, Session>;
}

/** The server's current DPoP nonce: a new one every few proofs, as RFC 9449 §9 allows. */
const DPOP_NONCE = { value: randomUUID(), uses: 0 };

/** RFC 9449 §4.3 checks of the proof of a request with a DPoP-bound token; `ok`, `nonce` or `bad`. */
async function checkProof(req: IncomingMessage, origin: string, token: string, jkt: unknown) {
  const proof = req.headers['dpop'];
  if (typeof proof !== 'string') return 'bad';
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
    typ: 'dpop+jwt',
    maxTokenAge: '60s',
  });
  const ath = createHash('sha256').update(token).digest('base64url');
  const htu = `${origin}${(req.url ?? '/').split('?')[0] ?? ''}`;
  const bound = protectedHeader.jwk && (await calculateJwkThumbprint(protectedHeader.jwk)) === jkt;
  if (!bound || payload['htm'] !== req.method || payload['htu'] !== htu || payload['ath'] !== ath)
    return 'bad';
  if (payload['nonce'] !== DPOP_NONCE.value) return 'nonce';
  DPOP_NONCE.uses += 1;
  if (DPOP_NONCE.uses >= 5) Object.assign(DPOP_NONCE, { value: randomUUID(), uses: 0 });
  return 'ok';
}

/** Verifies a JWT access token of the authorization server with `aud` = this server (RFC 9068). */
function bearerVerifier(as: string | undefined, audience: string, origin: string, dpop: boolean): Verify {
  const jwks = as === undefined ? undefined : createRemoteJWKSet(new URL(`${as}/jwks`));
  return async (req) => {
    const [scheme, token] = req.headers.authorization?.split(' ') ?? [];
    if (!jwks || as === undefined || token === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: as, audience });
      const jkt = (payload['cnf'] as { jkt?: unknown } | undefined)?.jkt;
      if (dpop !== (scheme === 'DPoP') || (scheme === 'DPoP') !== (jkt !== undefined)) return undefined;
      if (scheme === 'DPoP') {
        const proof = await checkProof(req, origin, token, jkt);
        if (proof !== 'ok') return proof === 'nonce' ? 'use_dpop_nonce' : undefined;
      }
      const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
      return { sub: String(payload.sub), scopes: scope.split(' ').filter(Boolean) };
    } catch {
      return undefined;
    }
  };
}

function challenge(site: Site, res: ServerResponse, status: number, extra: string): void {
  const rm = site.options.challengeMetadata === false ? '' : `, resource_metadata="${site.prmUrl}"`;
  res.writeHead(status, { 'www-authenticate': `Bearer realm="mcp"${extra}${rm}` }).end();
}

/** RFC 9728 metadata where the options say; true when the request was for a well-known URL. */
function serveMetadata(site: Site, path: string, res: ServerResponse): boolean {
  if (!path.startsWith('/.well-known/oauth-protected-resource')) return false;
  const servedAt = site.options.metadataAt === 'none' ? undefined : site.prmUrl;
  if (`${site.origin}${path}` !== servedAt) return (res.writeHead(404).end(), true);
  const as = site.options.authorizationServer;
  const metadata = {
    resource: site.url,
    authorization_servers: as ? [as] : [],
    scopes_supported: ['mcp:read'],
    ...(site.options.dpop === true
      ? { dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: true }
      : {}),
  };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
  return true;
}

/** Hands the request to its session, or opens one (streamable HTTP, or SSE on `GET /sse`). */
async function routeMcp(site: Site, req: IncomingMessage, res: ServerResponse, body: unknown, u: URL) {
  const sessionId = (req.headers['mcp-session-id'] as string | undefined) ?? u.searchParams.get('sessionId');
  const existing = sessionId ? site.sessions.get(sessionId) : undefined;
  if (existing instanceof StreamableHTTPServerTransport) return existing.handleRequest(req, res, body);
  if (existing instanceof SSEServerTransport) return existing.handlePostMessage(req, res, body);
  if (sessionId) return void res.writeHead(404).end('unknown session');
  if (site.kind === 'sse' && req.method === 'GET' && u.pathname === '/sse') {
    const transport = new SSEServerTransport('/messages', res);
    site.sessions.set(transport.sessionId, transport);
    return buildMcpServer().connect(transport);
  }
  const owned = site.sessions;
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) => void owned.set(id, transport),
  });
  await buildMcpServer().connect(transport);
  await transport.handleRequest(req, res, body);
}

const MCP_PATHS = ['/mcp', '/sse', '/messages', '/ws'];

function requestHandler(site: Site, verify: Verify) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', site.origin);
    if (serveMetadata(site, u.pathname, res)) return;
    if (site.options.otherwise && !MCP_PATHS.includes(u.pathname)) {
      await site.options.otherwise(req, res);
      return;
    }
    const verified = await verify(req);
    if (verified === 'use_dpop_nonce') {
      res
        .writeHead(401, {
          'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="a nonce is required"',
          'dpop-nonce': DPOP_NONCE.value,
        })
        .end();
      return;
    }
    const auth = verified;
    if (auth) {
      const info: AuthInfo = {
        token: 'verified',
        clientId: 'remote',
        scopes: auth.scopes,
        extra: { sub: auth.sub },
      };
      (req as AuthedRequest).auth = info;
    } else if (site.options.authorizationServer !== undefined) {
      challenge(site, res, 401, req.headers.authorization ? ', error="invalid_token"' : '');
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    if (needsAdmin(body) && !auth?.scopes.includes('mcp:admin')) {
      challenge(site, res, 403, ', error="insufficient_scope", scope="mcp:read mcp:admin"');
      return;
    }
    await routeMcp(site, req, res, body, u);
  };
}

/**
 * `/ws`: MCP over WebSocket, the upgrade checked against the X-Api-Key option or, with an
 * authorization server, its bearer token (401 with the same challenge as over HTTP).
 */
function attachWebSocket(http: Server, site: Site, verify: Verify): WebSocketServer {
  const { apiKey, authorizationServer } = site.options;
  const challengeHeader = (req: IncomingMessage) =>
    `Bearer realm="mcp"${req.headers.authorization ? ', error="invalid_token"' : ''}, resource_metadata="${site.prmUrl}"`;
  const wss = new WebSocketServer({
    server: http,
    path: '/ws',
    verifyClient: (info, done) => {
      if (authorizationServer === undefined) {
        done(apiKey === undefined || info.req.headers['x-api-key'] === apiKey, 401);
        return;
      }
      void verify(info.req).then((auth) => {
        if (auth && auth !== 'use_dpop_nonce') done(true);
        else done(false, 401, 'Unauthorized', { 'WWW-Authenticate': challengeHeader(info.req) });
      });
    },
  });
  wss.on('connection', (socket) => void buildMcpServer().connect(new WebSocketTransport(socket)));
  return wss;
}

export async function startProtectedRemoteServer(
  options: ProtectedServerOptions = {},
): Promise<ProtectedRemoteServer> {
  const kind = options.kind ?? 'streamable-http';
  const path = kind === 'sse' ? '/sse' : kind === 'websocket' ? '/ws' : '/mcp';
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${String(port)}`;
  const url = kind === 'websocket' ? `ws://127.0.0.1:${String(port)}/ws` : `${origin}${path}`;
  const wellKnown = `${origin}/.well-known/oauth-protected-resource`;
  const prmUrl = options.metadataAt === 'root' ? wellKnown : `${wellKnown}${path}`;
  if (options.authorizationServer === 'same-origin') options = { ...options, authorizationServer: origin };
  const site: Site = { kind, origin, url, prmUrl, options, sessions: new Map() };
  let verifier = bearerVerifier(options.authorizationServer, url, origin, options.dpop === true);
  const verify: Verify = (req) => verifier(req);
  const handle = requestHandler(site, verify);
  const switchAuthorizationServer = (issuer: string) => {
    site.options = { ...site.options, authorizationServer: issuer };
    verifier = bearerVerifier(issuer, url, origin, options.dpop === true);
  };
  const log: string[] = [];
  http.on('request', (req, res) => {
    res.on('finish', () =>
      log.push(`${req.method ?? ''} ${req.url?.split('?')[0] ?? ''} ${String(res.statusCode)}`),
    );
    handle(req, res).catch(() => (res.headersSent ? res.end() : res.writeHead(500).end()));
  });
  const wss = kind === 'websocket' ? attachWebSocket(http, site, verify) : undefined;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of wss?.clients ?? []) socket.terminate();
      http.closeAllConnections();
      http.close(() => resolve());
    });
  const restart = async () => {
    await close();
    site.sessions = new Map();
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  };
  return { origin, url, log, restart, close, switchAuthorizationServer };
}
