import type { IncomingMessage } from 'node:http';

import {
  isInitializeRequest,
  type JSONRPCMessage,
  LATEST_PROTOCOL_VERSION,
} from '@modelcontextprotocol/sdk/types.js';

import { isJsonRpcMessage } from '../jsonrpc/jsonrpc-errors.js';
import { readBody } from '../net/read-body.js';
import type { ResourceDenial } from './bearer-challenge.js';

/**
 * MCP revisions the broker's HTTP endpoint speaks (streamable HTTP exists since 2025-03-26).
 * @see MCP 2025-11-25 basic/transports §Protocol Version Header
 */
export const HTTP_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];

/** Largest POST body read (the stdio channel allows 8 MiB messages too). */
export const MAX_HTTP_BODY_BYTES = 8 * 1024 * 1024;

/** 400 when the request names a protocol version the endpoint does not speak (TR-5). */
export function protocolVersionDenial(req: IncomingMessage): ResourceDenial | undefined {
  const version = req.headers['mcp-protocol-version'];
  if (version === undefined) return undefined;
  if (typeof version === 'string' && HTTP_PROTOCOL_VERSIONS.includes(version)) return undefined;
  return {
    status: 400,
    rpcCode: -32000,
    description: `Unsupported MCP-Protocol-Version; supported: ${HTTP_PROTOCOL_VERSIONS.join(', ')}.`,
  };
}

export type McpBody =
  { ok: true; messages: JSONRPCMessage[]; parsed: unknown } | { ok: false; denial: ResourceDenial };

const bad = (status: 400 | 413, rpcCode: number, description: string): McpBody => ({
  ok: false,
  denial: { status, rpcCode, description },
});

/**
 * Reads and validates a POST body: one JSON-RPC message or a batch. An `initialize` asking for a
 * revision the HTTP endpoint does not speak is rewritten to ask for the latest, so the server
 * answers with a version this transport supports (the client then decides, per lifecycle rules).
 */
export async function readMcpBody(req: IncomingMessage): Promise<McpBody> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_HTTP_BODY_BYTES) return bad(413, -32600, 'Request body too large (8 MiB at most).');
  const body = await readBody(req, MAX_HTTP_BODY_BYTES);
  if (body === undefined) return bad(413, -32600, 'Request body too large (8 MiB at most).');
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return bad(400, -32700, 'Parse error: the body is not JSON.');
  }
  const items = Array.isArray(raw) ? raw : [raw];
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    // The hand shape check (the SDK transport parses the body with zod once more itself).
    if (!isJsonRpcMessage(item)) return bad(400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message.');
    messages.push(item);
  }
  if (messages.length === 0) return bad(400, -32600, 'Invalid Request: empty batch.');
  for (const message of messages) {
    if (isInitializeRequest(message) && !HTTP_PROTOCOL_VERSIONS.includes(message.params.protocolVersion)) {
      message.params.protocolVersion = LATEST_PROTOCOL_VERSION;
    }
  }
  return { ok: true, messages, parsed: Array.isArray(raw) ? messages : messages[0] };
}
