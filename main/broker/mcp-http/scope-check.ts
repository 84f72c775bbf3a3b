import { isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

import { scopeForServer } from '../authz/access-token.js';
import type { ResourceDenial } from './bearer-challenge.js';

/** What the scope check needs from the gateway: which server an exposed name belongs to. */
export interface ServerDirectory {
  serverOfExposedName(name: string, kind: 'tool' | 'prompt'): string | undefined;
}

/** Servers that the requests in a batch call into by name (`tools/call`, `prompts/get`). */
export function serversCalled(directory: ServerDirectory, messages: readonly JSONRPCMessage[]): Set<string> {
  const servers = new Set<string>();
  for (const message of messages) {
    if (!isJSONRPCRequest(message)) continue;
    const name = message.params?.['name'];
    if (typeof name !== 'string') continue;
    const kind =
      message.method === 'tools/call' ? 'tool' : message.method === 'prompts/get' ? 'prompt' : undefined;
    const server = kind === undefined ? undefined : directory.serverOfExposedName(name, kind);
    if (server !== undefined) servers.add(server);
  }
  return servers;
}

/**
 * 403 `insufficient_scope` when a request calls a server the token was not granted, naming every
 * scope the client needs — what it holds plus what is missing — so one step-up suffices.
 * @see RFC 6750 §3.1; MCP 2025-11-25 authorization §Scope Challenge Handling
 */
export function scopeDenial(
  called: ReadonlySet<string>,
  granted: ReadonlySet<string>,
  clientId: string,
): ResourceDenial | undefined {
  const missing = [...called].filter((s) => !granted.has(s)).sort();
  if (missing.length === 0) return undefined;
  const scopes = [...new Set([...granted, ...missing])].sort().map(scopeForServer);
  return {
    status: 403,
    error: 'insufficient_scope',
    description: `This client was not granted server${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')}; ask the person to approve it.`,
    scopes,
    clientId,
  };
}
