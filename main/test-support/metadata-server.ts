import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny real HTTP server on 127.0.0.1 answering fixed JSON documents by path (OAuth metadata
 * variants for the discovery tests), 404 elsewhere, and logging every path it was asked for.
 */
export type Route = (origin: string) => { status?: number; body?: unknown; headers?: Record<string, string> };

export interface MetadataServer {
  origin: string;
  /** `METHOD path` of every request, in order. */
  log: string[];
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startMetadataServer(routes: Record<string, Route> = {}): Promise<MetadataServer> {
  const table = new Map(Object.entries(routes));
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    log.push(`${req.method ?? ''} ${path}`);
    const route = table.get(`${req.method ?? 'GET'} ${path}`) ?? table.get(path);
    if (!route) return void res.writeHead(404).end();
    const { status = 200, body, headers = {} } = route(origin);
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    origin,
    log,
    routes: table,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** AS metadata for `issuer` (PKCE S256 unless `methods` says otherwise). */
export function asMetadata(issuer: string, extra: Record<string, unknown> = {}) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    // Required by OpenID discovery parsing; harmless for RFC 8414 documents.
    jwks_uri: `${issuer}/jwks`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    ...extra,
  };
}
