#!/usr/bin/env node
// A stdio MCP server that records everything it receives — its whole environment at start and every
// byte on stdin — to RECORD_FILE, so tests can prove what a client's credentials never reach.
// Tool `whoami`: length and SHA-256 prefix of its own UPSTREAM_CREDENTIAL.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const file = process.env.RECORD_FILE;
if (!file) throw new Error('RECORD_FILE is required');
appendFileSync(file, `argv ${JSON.stringify(process.argv)}\nenv ${JSON.stringify(process.env)}\n`);
process.stdin.on('data', (chunk) => appendFileSync(file, chunk));

const server = new McpServer({ name: 'recorder', version: '1.0.0' });
server.registerTool('whoami', { description: 'Fingerprint of this server’s own credential' }, () => {
  const value = process.env.UPSTREAM_CREDENTIAL ?? '';
  const sha256 = createHash('sha256').update(value).digest('hex').slice(0, 12);
  return { content: [{ type: 'text', text: JSON.stringify({ length: value.length, sha256 }) }] };
});
await server.connect(new StdioServerTransport());
