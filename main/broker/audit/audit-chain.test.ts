import { describe, expect, it } from 'vitest';

import { recordMac } from './audit-anchor.js';
import {
  type AuditRecordBody,
  chainLine,
  computeRecordHash,
  serializeRecord,
  ZERO_HASH,
} from './audit-chain.js';

describe('chainLine', () => {
  const bodies: AuditRecordBody[] = [
    { seq: 1, time: '2026-12-03T00:00:00.000Z', type: 'broker.start', prev: ZERO_HASH },
    {
      seq: 42,
      time: '2026-12-03T00:00:01.000Z',
      type: 'tool.call',
      outcome: 'error',
      client: 'Claude "Desktop" ✓ \u2028',
      clientId: 'https://example.com/client.json',
      server: 'github',
      tool: 'create_issue',
      durationMs: 12.5,
      errorCode: -32001,
      message: 'line\nbreak and \\ backslash',
      count: 3,
      prev: 'a'.repeat(64),
    },
  ];
  const key = Buffer.alloc(32, 7);

  it('writes the same bytes and hash as serializeRecord, keyed and unkeyed, serializing the body once', () => {
    for (const body of bodies) {
      const hash = computeRecordHash(body);
      expect(chainLine(body)).toEqual({ line: serializeRecord({ ...body, hash }), hash });
      const mac = recordMac(key, hash);
      expect(chainLine(body, (h) => recordMac(key, h))).toEqual({
        line: serializeRecord({ ...body, hash, mac }),
        hash,
      });
    }
  });
});
