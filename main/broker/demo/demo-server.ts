/**
 * Entry point of the demo MCP server (stdio), run by the broker as
 * `node dist/main/broker/demo/demo-server.js`. See `create-demo-server.ts`.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

import { createDemoServer } from './create-demo-server.js';

const server = createDemoServer({ env: process.env });
await server.connect(new StdioServerTransport());
