import { describe, expect, it } from 'vitest';

import { parseJsonRpcLine } from './jsonrpc-errors.js';
import { LineFramer } from './line-framer.js';

describe('LineFramer', () => {
  it('splits lines across chunk boundaries and strips CR', () => {
    const framer = new LineFramer(100);
    expect(framer.push(Buffer.from('{"a":'))).toEqual([]);
    expect(framer.push(Buffer.from('1}\r\n{"b":2}\n{"c"'))).toEqual([
      { kind: 'line', line: '{"a":1}' },
      { kind: 'line', line: '{"b":2}' },
    ]);
    expect(framer.push(Buffer.from(':3}\n'))).toEqual([{ kind: 'line', line: '{"c":3}' }]);
  });

  it('drops an oversized line without buffering it, reports it once, then continues', () => {
    const framer = new LineFramer(10);
    expect(framer.push(Buffer.from('x'.repeat(8)))).toEqual([]);
    expect(framer.push(Buffer.from('y'.repeat(50)))).toEqual([]);
    const out = framer.push(Buffer.from('zz\n{"ok":1}\n'));
    expect(out).toEqual([
      { kind: 'oversized', bytes: 60 },
      { kind: 'line', line: '{"ok":1}' },
    ]);
  });

  it('reports an oversized line that arrives in one chunk', () => {
    const framer = new LineFramer(4);
    expect(framer.push(Buffer.from('123456\nab\n'))).toEqual([
      { kind: 'oversized', bytes: 6 },
      { kind: 'line', line: 'ab' },
    ]);
  });
});

describe('parseJsonRpcLine', () => {
  it('answers text that is not JSON with -32700 and id null', () => {
    const parsed = parseJsonRpcLine('{oops');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? undefined : parsed.error).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('answers JSON that is not JSON-RPC with -32600, keeping the id when readable', () => {
    const parsed = parseJsonRpcLine(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 3 }));
    expect(parsed.ok ? undefined : parsed.error).toMatchObject({ id: 5, error: { code: -32600 } });
  });

  it('accepts requests, notifications and responses', () => {
    for (const m of [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, result: {} },
    ]) {
      expect(parseJsonRpcLine(JSON.stringify(m)).ok).toBe(true);
    }
  });
});
