#!/usr/bin/env node
// The cost of the audit line, in-process: µs of CPU and of wall time per AuditLog.record() of a
// `tool.call` event as the gateway writes it (hash chain, redaction, one writeSync on the open fd),
// keyed (HMAC per line, anchor in a MemorySecretStore, paced as in the broker) and unkeyed.
// Prints one JSON line; `npm run bench` compares it with the broker's CPU per routed call.
//
//   npm run build && node bench/audit-cost.mjs [records]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openAuditKeying } from '../dist/main/broker/audit/audit-anchor.js';
import { AuditLog } from '../dist/main/broker/audit/audit-log.js';
import { systemClock } from '../dist/main/broker/base/clock.js';
import { MemorySecretStore } from '../dist/main/broker/secrets/memory-secret-store.js';
import { SecretRedactor } from '../dist/main/broker/secrets/secret-redactor.js';

const RECORDS = Number(process.argv[2] ?? 20000);
/** Lets the anchor writer and head timer run between records, as between calls in the broker. */
const YIELD_EVERY = 10;

async function measure(keyed) {
  const dir = mkdtempSync(join(tmpdir(), 'mab-audit-bench-'));
  try {
    const redactor = new SecretRedactor();
    redactor.add('bench-secret-value-0123456789');
    const store = new MemorySecretStore();
    const keying = keyed ? { ...(await openAuditKeying(store, dir)), store } : undefined;
    const log = AuditLog.open({
      dir,
      maxFileBytes: 10 * 1024 * 1024,
      clock: systemClock,
      redactor,
      ...(keying ? { keying } : {}),
    });
    const event = (i) => ({
      type: 'tool.call',
      outcome: 'ok',
      client: 'bench-client',
      clientId: 'socket-1',
      server: 'bench',
      tool: 'echo',
      durationMs: i % 7,
    });
    for (let i = 0; i < 2000; i++) log.record(event(i));
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < RECORDS; i++) {
      log.record(event(i));
      if (i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
    const used = process.cpuUsage(cpu);
    const wallUs = Number(process.hrtime.bigint() - started) / 1e3;
    await log.flushAnchor();
    log.close();
    return { cpuUs: (used.user + used.system) / RECORDS, wallUs: wallUs / RECORDS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const unkeyed = await measure(false);
const keyed = await measure(true);
console.log(JSON.stringify({ records: RECORDS, keyed, unkeyed }));
