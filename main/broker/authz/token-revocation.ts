import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import { readBody } from '../net/read-body.js';
import type { AccessTokenVerifier } from './access-token.js';

const MAX_FORM_BYTES = 16 * 1024;

type Engine = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface TokenRevocationDeps {
  /** oidc-provider's request handler: revokes refresh tokens (and their grant). */
  engine: Engine;
  verifier: AccessTokenVerifier;
  /** Deletes a grant with every token issued under it. */
  revokeGrant: (grantId: string, clientId: string) => void;
}

/** A request whose body (already read) can be read again by the engine. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = Readable.from([body], { objectMode: false });
  return Object.assign(copy, {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    complete: true,
  }) as unknown as IncomingMessage;
}

const isJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * RFC 7009 revocation for the broker's access tokens. oidc-provider does not revoke structured
 * (JWT) access tokens itself (`unsupported_token_type`); the broker does, by revoking the grant the
 * token was issued under (§2.1 allows revoking the related refresh token too), so a client that signs
 * out with its access token really is signed out. Only the client the token was issued to may revoke
 * it; an invalid or foreign token gets 200 and nothing happens (§2.2). Refresh tokens go to the engine.
 */
export function tokenRevocationHandler(deps: TokenRevocationDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = req.method === 'POST' ? await readBody(req, MAX_FORM_BYTES) : undefined;
    if (!form) {
      if (req.method === 'POST') res.writeHead(413).end();
      else await deps.engine(req, res);
      return;
    }
    const params = new URLSearchParams(form.toString('utf8'));
    const token = params.get('token') ?? '';
    if (params.get('token_type_hint') === 'refresh_token' || !isJwt(token)) {
      await deps.engine(replay(req, form), res);
      return;
    }
    const claims = await deps.verifier.verify(token).catch(() => undefined);
    if (claims?.grantId && claims.clientId === params.get('client_id')) {
      deps.revokeGrant(claims.grantId, claims.clientId);
    }
    res.writeHead(200, { 'cache-control': 'no-store', 'content-length': '0' }).end();
  };
}
