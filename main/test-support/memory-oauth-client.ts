import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** What the client's loopback redirect URI received (RFC 8252 §7.3). */
export interface AuthorizationResponse {
  code: string | null;
  state: string | null;
  iss: string | null;
  error: string | null;
}

/**
 * An SDK OAuth client provider that keeps everything in memory and receives the authorization
 * response on a loopback redirect URI, like a native MCP client (Claude Code, VS Code). The test
 * decides who opens the authorization URL (`onAuthorizationUrl`).
 */
export class MemoryOAuthClient implements OAuthClientProvider {
  private info: OAuthClientInformationMixed | undefined;
  private stored: OAuthTokens | undefined;
  private verifier = '';
  /** The `state` of the last authorization request (the test checks it came back unchanged). */
  lastState = '';
  private waiting: ((r: AuthorizationResponse) => void) | undefined;

  private constructor(
    private readonly server: Server,
    readonly redirectUrl: string,
    readonly onAuthorizationUrl: (url: URL) => void,
  ) {
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirectUrl);
      const p = (name: string) => url.searchParams.get(name);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this tab.');
      this.waiting?.({ code: p('code'), state: p('state'), iss: p('iss'), error: p('error') });
    });
  }

  static async start(onAuthorizationUrl: (url: URL) => void): Promise<MemoryOAuthClient> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return new MemoryOAuthClient(server, `http://127.0.0.1:${String(port)}/callback`, onAuthorizationUrl);
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'E2E Test Client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** Resolves with the next authorization response delivered to the redirect URI. */
  nextAuthorizationResponse(): Promise<AuthorizationResponse> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  state() {
    this.lastState = randomUUID();
    return this.lastState;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.onAuthorizationUrl(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }

  close(): void {
    this.server.close();
  }
}
