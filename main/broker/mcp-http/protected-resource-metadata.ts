import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendJson } from '../net/http-json.js';
import { MCP_PATH, mcpResourceUrl } from '../net/mcp-resource.js';
import { createRouteTable, route, routeRequest, sendOAuthRefusal } from '../net/route-table.js';

/** Path of the RFC 9728 metadata for the `/mcp` resource (well-known prefix + the resource's path). */
export const PRM_PATH = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 §2 protected resource metadata for the broker's MCP endpoint.
 * @see RFC 9728 §2 (fields), §3.1 (the well-known URL is formed from the resource's path)
 */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: ['header'];
  resource_name: string;
  resource_documentation?: string;
}

export interface ResourceIdentity {
  /** `http://127.0.0.1:<port>` — the broker's origin, no trailing slash. */
  origin: string;
  /** The authorization server's issuer, byte-exact as it publishes it (RFC 8414 §3.3). */
  issuer: string;
  /** Scopes a client may ask for, e.g. `mcp:servers:github` per configured server. */
  scopes: () => string[];
}

/** Where the metadata of the `/mcp` resource is published (the path-suffixed URL, RFC 9728 §3.1). */
export function resourceMetadataUrl(origin: string): string {
  return `${origin}${PRM_PATH}${MCP_PATH}`;
}

export function protectedResourceMetadata(id: ResourceIdentity): ProtectedResourceMetadata {
  return {
    resource: mcpResourceUrl(id.origin),
    authorization_servers: [id.issuer],
    scopes_supported: id.scopes(),
    bearer_methods_supported: ['header'],
    resource_name: 'MCP Auth Broker',
  };
}

/**
 * Serves the metadata at `/.well-known/oauth-protected-resource/mcp` and, for clients that probe the
 * root first, at `/.well-known/oauth-protected-resource` — the same document (one resource per broker).
 */
export function protectedResourceMetadataHandler(id: ResourceIdentity) {
  const serve = (_q: IncomingMessage, res: ServerResponse) =>
    sendJson(res, 200, protectedResourceMetadata(id));
  const table = createRouteTable(
    [PRM_PATH, `${PRM_PATH}${MCP_PATH}`].flatMap((path) => [
      route('GET', path, serve),
      route('HEAD', path, serve),
    ]),
    { noun: 'protected resource at' },
  );
  return (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> =>
    routeRequest(table, req, res, url.pathname, sendOAuthRefusal);
}
