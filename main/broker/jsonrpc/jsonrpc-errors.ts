import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_MESSAGE_BYTES } from './line-framer.js';

/** JSON-RPC 2.0 error codes used at the framing layer. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

export type ParsedLine = { ok: true; message: JSONRPCMessage } | { ok: false; error: JSONRPCMessage };

function errorResponse(id: string | number | null, code: number, message: string): JSONRPCMessage {
  // `id: null` is what JSON-RPC 2.0 §5 prescribes when the id cannot be read; the SDK's type is narrower.
  return { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
}

function idOf(value: unknown): string | number | null {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id: unknown = value.id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return null;
}

/**
 * Parses one framed line into a JSON-RPC message, or the JSON-RPC error response to send back:
 * -32700 for text that is not JSON, -32600 for JSON that is not a JSON-RPC 2.0 message.
 */
export function parseJsonRpcLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return {
      ok: false,
      error: errorResponse(null, PARSE_ERROR, 'Parse error: the message is not valid JSON'),
    };
  }
  const parsed = JSONRPCMessageSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      error: errorResponse(idOf(value), INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 message'),
    };
  }
  return { ok: true, message: parsed.data };
}

/** The error sent for a message over the size limit (its id is unknown: it was never buffered). */
export function oversizedError(bytes: number): JSONRPCMessage {
  return errorResponse(
    null,
    INVALID_REQUEST,
    `Invalid Request: message of ${String(bytes)} bytes exceeds the ${String(MAX_MESSAGE_BYTES)}-byte limit`,
  );
}
