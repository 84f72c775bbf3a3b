#!/usr/bin/env node
// The cost of the audit line, in-process: µs of CPU and of wall time per AuditLog.record() of a
// `tool.call` event as the gateway writes it (hash chain, redaction, one write on the open fd),
// keyed (HMAC per line, anchor in a MemorySecretStore, paced as in the broker) and unkeyed, written
// inside record() and, as the serving broker does (`callRecordsAfterTurn`), after the turn. One
// record per turn of the event loop, like sequential calls; the cost of the turn itself (an empty
// loop of the same setImmediate yields) is measured too and subtracted.
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
const turn = () => new Promise((r) => setImmediate(r));

/** CPU and wall µs of `RECORDS` turns of `step(i)` followed by one setImmediate yield each. */
async function timeTurns(step) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < RECORDS; i++) {
    step(i);
    await turn();
  }
  const used = process.cpuUsage(cpu);
  const wallUs = Number(process.hrtime.bigint() - started) / 1e3;
  return { cpuUs: (used.user + used.system) / RECORDS, wallUs: wallUs / RECORDS };
}

async function measure(keyed, afterTurn, empty) {
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
      callRecordsAfterTurn: afterTurn,
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
    for (let i = 0; i < 2000; i++) {
      log.record(event(i));
      if (i % 10 === 0) await turn();
    }
    const t = await timeTurns((i) => log.record(event(i)));
    await log.flushAnchor();
    log.close();
    return {
      cpuUs: Math.max(0, t.cpuUs - empty.cpuUs),
      wallUs: Math.max(0, t.wallUs - empty.wallUs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await timeTurns(() => undefined);
const empty = await timeTurns(() => undefined);
const unkeyed = await measure(false, false, empty);
const keyed = await measure(true, false, empty);
const keyedAfterTurn = await measure(true, true, empty);
console.log(JSON.stringify({ records: RECORDS, turn: empty, keyed, unkeyed, keyedAfterTurn }));
