import { describe, expect, it } from 'vitest';

import { INVALID_REQUEST, PARSE_ERROR, parseJsonRpcLine } from './jsonrpc-errors.js';

const codeOf = (line: string) => {
  const parsed = parseJsonRpcLine(line);
  return parsed.ok ? 'ok' : (parsed.error as { error: { code: number } }).error.code;
};

describe('the shape check at the JSON-RPC boundary (same verdicts as the SDK schema)', () => {
  it.each([
    [
      'request',
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a', _meta: { progressToken: 't' } } },
    ],
    ['request with a string id and no params', { jsonrpc: '2.0', id: 'x', method: 'ping' }],
    ['notification', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }],
    ['result', { jsonrpc: '2.0', id: 1, result: { content: [] } }],
    ['error', { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'nope', data: { a: 1 } } }],
    ['error without an id', { jsonrpc: '2.0', error: { code: -32700, message: 'bad' } }],
  ])('accepts a %s', (_name, message) => {
    const parsed = parseJsonRpcLine(JSON.stringify(message));
    expect(parsed).toEqual({ ok: true, message });
  });

  it.each([
    ['another version', { jsonrpc: '1.0', id: 1, method: 'ping' }],
    ['a null id on a request', { jsonrpc: '2.0', id: null, method: 'ping' }],
    ['a fractional id', { jsonrpc: '2.0', id: 1.5, method: 'ping' }],
    ['params that are an array', { jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }],
    ['an unknown top-level key', { jsonrpc: '2.0', id: 1, method: 'ping', extra: true }],
    ['a result that is not an object', { jsonrpc: '2.0', id: 1, result: 3 }],
    ['an error without a code', { jsonrpc: '2.0', id: 1, error: { message: 'x' } }],
    [
      'a bad progress token',
      { jsonrpc: '2.0', id: 1, method: 'x', params: { _meta: { progressToken: {} } } },
    ],
    ['an array', [{ jsonrpc: '2.0', id: 1, method: 'ping' }]],
  ])('refuses %s with Invalid Request', (_name, message) => {
    expect(codeOf(JSON.stringify(message))).toBe(INVALID_REQUEST);
  });

  it('refuses text that is not JSON with Parse error', () => {
    expect(codeOf('{nope')).toBe(PARSE_ERROR);
  });
});
