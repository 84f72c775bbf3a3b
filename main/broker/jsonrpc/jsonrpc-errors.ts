import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

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

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isRequestId = (value: unknown): boolean =>
  typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));

const hasOnly = (value: Record<string, unknown>, allowed: readonly string[]): boolean => {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
};

function paramsOk(params: unknown): boolean {
  if (params === undefined) return true;
  if (!isPlainObject(params)) return false;
  const meta = params['_meta'];
  if (meta === undefined) return true;
  if (!isPlainObject(meta)) return false;
  return meta['progressToken'] === undefined || isRequestId(meta['progressToken']);
}

/**
 * Whether `value` is a JSON-RPC 2.0 message as the SDK's `JSONRPCMessageSchema` defines it
 * (request, notification, result or error; no other top-level keys), checked by hand: one cheap
 * pass at the boundary instead of a zod parse of the whole message, results included.
 */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isPlainObject(value) || value['jsonrpc'] !== '2.0') return false;
  if ('method' in value) {
    if (typeof value['method'] !== 'string' || !paramsOk(value['params'])) return false;
    if ('id' in value)
      return isRequestId(value['id']) && hasOnly(value, ['jsonrpc', 'id', 'method', 'params']);
    return hasOnly(value, ['jsonrpc', 'method', 'params']);
  }
  if ('result' in value) {
    return (
      isRequestId(value['id']) &&
      isPlainObject(value['result']) &&
      hasOnly(value, ['jsonrpc', 'id', 'result'])
    );
  }
  const error = value['error'];
  if (!isPlainObject(error) || typeof error['code'] !== 'number' || !Number.isInteger(error['code']))
    return false;
  if (typeof error['message'] !== 'string') return false;
  return (
    (value['id'] === undefined || isRequestId(value['id'])) && hasOnly(value, ['jsonrpc', 'id', 'error'])
  );
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
  if (!isJsonRpcMessage(value)) {
    return {
      ok: false,
      error: errorResponse(idOf(value), INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 message'),
    };
  }
  return { ok: true, message: value };
}

/** The error sent for a message over the size limit (its id is unknown: it was never buffered). */
export function oversizedError(bytes: number): JSONRPCMessage {
  return errorResponse(
    null,
    INVALID_REQUEST,
    `Invalid Request: message of ${String(bytes)} bytes exceeds the ${String(MAX_MESSAGE_BYTES)}-byte limit`,
  );
}
