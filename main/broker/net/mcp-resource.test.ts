import { describe, expect, it } from 'vitest';

import { MCP_PATH, mcpResourceUrl } from './mcp-resource.js';

describe('mcpResourceUrl', () => {
  it('appends the /mcp path to the loopback origin, byte-exact', () => {
    expect(MCP_PATH).toBe('/mcp');
    expect(mcpResourceUrl('http://127.0.0.1:47821')).toBe('http://127.0.0.1:47821/mcp');
  });

  it('yields a URL whose path is the endpoint path and that has no query or fragment', () => {
    const url = new URL(mcpResourceUrl('http://127.0.0.1:5'));
    expect(url.pathname).toBe(MCP_PATH);
    expect(url.search + url.hash).toBe('');
  });
});
