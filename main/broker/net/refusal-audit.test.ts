import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startBroker, writeBrokerHome } from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { RefusalAudit } from './refusal-audit.js';

function harness(windowMs = 60_000) {
  const records: AuditEventInput[] = [];
  let now = 1_000_000;
  const refusals = new RefusalAudit({
    audit: { record: (e) => records.push(e) },
    clock: { now: () => now },
    windowMs,
  });
  return { records, refusals, advance: (ms: number) => (now += ms) };
}

const denied = (n: number): AuditEventInput => ({
  type: 'http.denied',
  outcome: 'denied',
  errorCode: 403,
  message: `refusal ${String(n)}`,
});

describe('RefusalAudit (fake clock)', () => {
  it('SEC-8 the first refusal is audited at once; repeats become one summary per window with their count', () => {
    const { records, refusals, advance } = harness();
    refusals.record('http.denied:host', denied(1));
    expect(records).toEqual([denied(1)]);
    for (let i = 2; i <= 1000; i++) {
      advance(10);
      refusals.record('http.denied:host', denied(i));
    }
    expect(records).toHaveLength(1);
    advance(60_000);
    refusals.flush();
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ type: 'http.denied', count: 999, errorCode: 403 });
    expect(records[1]?.message).toContain('refusal 1000');
  });

  it('SEC-8 a sustained flood writes one line per key per window, not one per request', () => {
    const { records, refusals, advance } = harness();
    for (let minute = 0; minute < 10; minute++) {
      for (let i = 0; i < 600; i++) {
        refusals.record('http.denied:host', denied(i));
        advance(100);
      }
    }
    refusals.close();
    expect(records.length).toBeLessThanOrEqual(11);
    const total = records.reduce((sum, r) => sum + (r.count ?? 1), 0);
    expect(total).toBe(6000);
  });

  it('SEC-8 keys are counted apart; a quiet key is forgotten and its next refusal is audited at once', () => {
    const { records, refusals, advance } = harness();
    refusals.record('http.denied:host', denied(1));
    refusals.record('http.denied:origin', { ...denied(2), message: 'origin' });
    expect(records).toHaveLength(2);
    advance(61_000);
    refusals.flush();
    expect(records).toHaveLength(2); // no repeats, no summary
    refusals.record('http.denied:host', denied(3));
    expect(records).toHaveLength(3);
    expect(records[2]).toEqual(denied(3));
  });

  it('SEC-8 close() writes what is pending; more keys than the cap share one overflow key', () => {
    const records: AuditEventInput[] = [];
    const refusals = new RefusalAudit({
      audit: { record: (e) => records.push(e) },
      clock: { now: () => 0 },
      maxKeys: 2,
    });
    for (let k = 0; k < 50; k++) refusals.record(`k${String(k)}`, denied(k));
    expect(records).toHaveLength(3); // k0, k1, then the overflow key's first
    refusals.close();
    expect(records).toHaveLength(4);
    expect(records[3]?.count).toBe(47);
  });
});

function send(url: string, headers: Record<string, string>, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('refusal audit in the broker process', () => {
  it('SEC-8 300 foreign-Host requests and 300 unauthenticated /mcp calls add a handful of audit lines, counts intact', async () => {
    const tmp = makeTempDir('mab-ref-');
    try {
      const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
      const broker = await startBroker(home, ['--background'], {
        MCP_AUTH_BROKER_PASSPHRASE: 'refusal-test',
      });
      const port = new URL(broker.url).port;
      for (let i = 0; i < 300; i++)
        expect(await send(`${broker.url}/healthz`, { host: `evil.example:${port}` })).toBe(403);
      const mcp = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      for (let i = 0; i < 300; i++) expect(await send(`${broker.url}/mcp`, mcp, 'POST')).toBe(401);
      expect(await broker.stop()).toBe(0);
      const dir = join(home.dataDir, 'audit');
      const lines = readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditEventInput);
      const of = (type: string) => lines.filter((r) => r.type === type);
      const total = (rs: AuditEventInput[]) => rs.reduce((sum, r) => sum + (r.count ?? 1), 0);
      expect(of('http.denied').length).toBeLessThanOrEqual(2);
      expect(total(of('http.denied'))).toBe(300);
      expect(of('mcp.denied').length).toBeLessThanOrEqual(2);
      expect(total(of('mcp.denied'))).toBe(300);
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
