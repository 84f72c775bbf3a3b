/** Path of the broker's streamable HTTP MCP endpoint, which is also its one OAuth protected resource. */
export const MCP_PATH = '/mcp';

/**
 * The broker's `/mcp` URL for an origin (`http://127.0.0.1:<port>`, no trailing slash): the exact
 * resource identifier clients put in `resource` (RFC 8707) and every access token carries in `aud`.
 */
export function mcpResourceUrl(origin: string): string {
  return `${origin}${MCP_PATH}`;
}
