import { createHash } from 'node:crypto';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * The demo MCP server shipped with the broker: a few friendly tools to try the broker end to end,
 * and `credential_check`, which proves a keychain secret reached the server (through `DEMO_TOKEN`)
 * without ever revealing it: only its presence, length and a short SHA-256 fingerprint.
 */
export interface DemoServerOptions {
  /** Where `DEMO_TOKEN` and `DEMO_GREETING` are read from, at call time (`process.env` in the real server). */
  env: Readonly<Record<string, string | undefined>>;
  version?: string;
  /** Pause between `count_down` steps (ms). */
  stepDelayMs?: number;
}

/** What `credential_check` tells about `DEMO_TOKEN`. */
export interface CredentialReport {
  present: boolean;
  length?: number;
  /** First 12 hex digits of the SHA-256 of the value: enough to compare, useless to an attacker. */
  sha256Prefix?: string;
}

export const DEMO_README = `# MCP Auth Broker demo server

This server runs behind MCP Auth Broker. Its tools:

- \`echo\` repeats your text.
- \`add\` adds two numbers.
- \`credential_check\` shows that the broker handed this server a secret from your keychain
  (as the DEMO_TOKEN variable), without revealing it: only its length and a fingerprint.
- \`count_down\` counts down with progress notifications.

Set the secret with: mcp-auth-broker secret set demo-token
`;

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Presence, length and fingerprint of a credential value; never the value. */
export function describeCredential(value: string | undefined): CredentialReport {
  if (value === undefined || value === '') return { present: false };
  const sha256Prefix = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12);
  return { present: true, length: value.length, sha256Prefix };
}

function credentialText(report: CredentialReport): string {
  if (!report.present) {
    return 'No credential reached this server: DEMO_TOKEN is not set. Run: mcp-auth-broker secret set demo-token';
  }
  return `A credential reached this server through DEMO_TOKEN: ${String(report.length)} characters, SHA-256 fingerprint ${report.sha256Prefix ?? ''}… (the value itself is never shown).`;
}

function registerTools(server: McpServer, options: DemoServerOptions): void {
  server.registerTool(
    'echo',
    { title: 'Echo', description: 'Repeats the text you send.', inputSchema: { text: z.string() } },
    ({ text: value }) => text(value),
  );
  server.registerTool(
    'add',
    { title: 'Add', description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    ({ a, b }) => ({ ...text(String(a + b)), structuredContent: { sum: a + b } }),
  );
  server.registerTool(
    'credential_check',
    {
      title: 'Credential check',
      description: 'Shows whether a keychain credential reached this server (length and fingerprint only).',
    },
    () => {
      const report = describeCredential(options.env['DEMO_TOKEN']);
      return { ...text(credentialText(report)), structuredContent: { ...report } };
    },
  );
  server.registerTool(
    'count_down',
    {
      title: 'Count down',
      description: 'Counts down from n to zero, reporting progress at each step.',
      inputSchema: { n: z.number().int().min(1).max(20) },
    },
    async ({ n }, extra) => {
      const token = extra._meta?.progressToken;
      for (let step = 1; step <= n && !extra.signal.aborted; step++) {
        if (token !== undefined) {
          const params = { progressToken: token, progress: step, total: n, message: `${String(n - step)}…` };
          await extra.sendNotification({ method: 'notifications/progress', params });
        }
        await sleep(options.stepDelayMs ?? 200, extra.signal);
      }
      return text(extra.signal.aborted ? 'Count down cancelled.' : 'Liftoff!');
    },
  );
}

/** Builds the demo server (not yet connected to a transport). */
export function createDemoServer(options: DemoServerOptions): McpServer {
  const server = new McpServer(
    { name: 'mcp-auth-broker-demo', version: options.version ?? '1.0.0' },
    { instructions: 'A demo server behind MCP Auth Broker. Try credential_check.' },
  );
  registerTools(server, options);
  server.registerResource(
    'readme',
    'demo://readme',
    { title: 'Demo README', description: 'What this demo server does', mimeType: 'text/markdown' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: DEMO_README }] }),
  );
  server.registerPrompt(
    'greet',
    { title: 'Greet', description: 'A friendly greeting', argsSchema: { name: z.string() } },
    ({ name }) => {
      const greeting = options.env['DEMO_GREETING'] ?? 'hello';
      return {
        messages: [
          { role: 'user', content: { type: 'text', text: `Say "${greeting}" to ${name}, warmly.` } },
        ],
      };
    },
  );
  return server;
}
