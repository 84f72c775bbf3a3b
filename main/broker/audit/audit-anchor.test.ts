import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type BrokerHome, runCli, writeBrokerHome } from '../../test-support/broker-process.js';
import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';
import { MemorySecretStore } from '../secrets/memory-secret-store.js';
import { ANCHOR_INTERVAL_MS, AnchorWriter, openAuditKeying } from './audit-anchor.js';
import { AUDIT_ACTIVE_FILE, AUDIT_HEAD_FILE, listAuditFiles } from './audit-files.js';
import { AuditLog } from './audit-log.js';

const keychain = await keychainAvailability();
if (!keychain.available) console.warn(`skipping SEC-6 keyed audit tests: ${keychain.reason}`);

const clock = { now: () => Date.now() };
let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;
let store: KeychainSecretStore;
let dir: string;

beforeEach(() => {
  tmp = makeTempDir();
  const service = uniqueKeychainService();
  home = writeBrokerHome(tmp.path, { secretStore: { type: 'keychain', service } });
  store = new KeychainSecretStore(service);
  dir = join(home.dataDir, 'audit');
});

afterEach(async () => {
  for (const name of await store.list().catch(() => [])) await store.delete(name);
  tmp.remove();
});

/** What a broker run does: open keyed, write `count` records (rotating at `maxFileBytes`), close. */
async function brokerRun(count: number, maxFileBytes = 1_000_000): Promise<AuditLog> {
  const log = AuditLog.open({
    dir,
    maxFileBytes,
    clock,
    keying: { ...(await openAuditKeying(store, dir)), store },
  });
  for (let i = 1; i <= count; i++) log.record({ type: 'tool.call', outcome: 'ok', tool: `tool${String(i)}` });
  await log.flushAnchor();
  log.close();
  return log;
}

async function verify(): Promise<{ code: number; stdout: string }> {
  return runCli(['audit', 'verify', '--config', home.configPath, '--data-dir', home.dataDir]);
}

function activeLines(): string[] {
  return readFileSync(join(dir, AUDIT_ACTIVE_FILE), 'utf8').split('\n').slice(0, -1);
}

/** Records of the active file, parsed. */
function types(): string[] {
  return activeLines().map((l) => (JSON.parse(l) as { type: string }).type);
}

describe.skipIf(!keychain.available)('keyed, anchored audit chain (real keyring)', () => {
  it('SEC-6 an untouched keyed log verifies; every line carries a mac', async () => {
    await brokerRun(5);
    expect(activeLines().every((l) => /"mac":"[0-9a-f]{64}"}$/.test(l))).toBe(true);
    const result = await verify();
    expect(result.stdout).toContain('intact');
    expect(result.code).toBe(0);
  });

  it('SEC-6 cutting the tail and deleting the head file is detected, and the next start records audit.tampered', async () => {
    await brokerRun(6);
    writeFileSync(join(dir, AUDIT_ACTIVE_FILE), `${activeLines().slice(0, 3).join('\n')}\n`);
    rmSync(join(dir, AUDIT_HEAD_FILE));
    const result = await verify();
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('keychain anchor says seq 6');
    await brokerRun(1);
    expect(types()).toContain('audit.tampered');
    expect((await verify()).stdout).toContain('audit.tampered');
  });

  it('SEC-6 cutting the tail and recomputing the head file is detected', async () => {
    await brokerRun(6);
    const kept = activeLines().slice(0, 4);
    writeFileSync(join(dir, AUDIT_ACTIVE_FILE), `${kept.join('\n')}\n`);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256')
      .update(kept[3] ?? '')
      .digest('hex');
    writeFileSync(join(dir, AUDIT_HEAD_FILE), `${JSON.stringify({ seq: 4, hash })}\n`);
    const result = await verify();
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('keychain anchor');
  });

  it('SEC-6 a last record torn by a kill mid-write is recorded as audit.recovered, not as tampering', async () => {
    await brokerRun(6);
    const text = readFileSync(join(dir, AUDIT_ACTIVE_FILE), 'utf8');
    const lastLine = activeLines().at(-1) ?? '';
    // A kill during the append: half of the last line reached the disk, without its newline.
    writeFileSync(
      join(dir, AUDIT_ACTIVE_FILE),
      text.slice(0, text.length - 1 - Math.floor(lastLine.length / 2)),
    );
    await brokerRun(1);
    expect(types()).toContain('audit.recovered');
    expect(types()).not.toContain('audit.tampered');
    const result = await verify();
    expect(result.stdout).not.toContain('audit.tampered');
    expect(result.code).toBe(0);
  });

  it('SEC-6 a chain fabricated from scratch (without the key) is detected', async () => {
    await brokerRun(6);
    rmSync(dir, { recursive: true });
    const fake = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock });
    for (let i = 1; i <= 8; i++) fake.record({ type: 'tool.call', outcome: 'ok', tool: 'harmless' });
    fake.close();
    const result = await verify();
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/no mac|keychain anchor/);
  });

  it('SEC-6 a forged line with a made-up mac is detected', async () => {
    await brokerRun(3);
    const lines = activeLines();
    lines[2] = (lines[2] ?? '').replace(/"mac":"[0-9a-f]{64}"/, `"mac":"${'a'.repeat(64)}"`);
    writeFileSync(join(dir, AUDIT_ACTIVE_FILE), `${lines.join('\n')}\n`);
    const result = await verify();
    expect(result.code).toBe(4);
  });

  it('SEC-6 deleting the newest files is detected', async () => {
    await brokerRun(60, 1500);
    const files = listAuditFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    rmSync(join(dir, AUDIT_ACTIVE_FILE));
    rmSync(join(dir, files.at(-2) ?? ''));
    rmSync(join(dir, AUDIT_HEAD_FILE));
    const result = await verify();
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('keychain anchor says seq 60');
  });

  it('SEC-6 deleting all files is detected', async () => {
    await brokerRun(4);
    for (const name of readdirSync(dir)) rmSync(join(dir, name));
    const result = await verify();
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('no log files are left');
  });

  it('SEC-6 a legacy (unkeyed) log still verifies, and is keyed from the next start on', async () => {
    const legacy = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock });
    for (let i = 1; i <= 3; i++) legacy.record({ type: 'tool.call', outcome: 'ok' });
    legacy.close();
    const before = await verify();
    expect(before.code).toBe(0);
    await brokerRun(2);
    const lines = activeLines();
    expect(lines.slice(0, 3).some((l) => l.includes('"mac"'))).toBe(false);
    expect(lines.slice(3).every((l) => l.includes('"mac"'))).toBe(true);
    expect((await verify()).code).toBe(0);
  });
});

describe('AnchorWriter pacing', () => {
  it('coalesces a burst of records into a few keychain writes, and flush() stores the newest at once', async () => {
    const writes: string[] = [];
    const counting = new MemorySecretStore();
    const set = counting.set.bind(counting);
    counting.set = (name, value) => {
      writes.push(value);
      return set(name, value);
    };
    const writer = new AnchorWriter(counting, 'audit-chain-anchor:test', () => undefined);
    const hash = 'a'.repeat(64);
    // Records arrive a few ms apart, each while the store is idle: without pacing each is a write.
    const began = Date.now();
    for (let seq = 1; seq <= 50; seq++) {
      writer.update({ seq, hash, keyedFrom: 1 });
      await new Promise((r) => setTimeout(r, 2));
    }
    const elapsed = Date.now() - began;
    const flushStarted = Date.now();
    await writer.flush();
    expect(Date.now() - flushStarted).toBeLessThan(ANCHOR_INTERVAL_MS);
    // One write per interval (plus the first and the flushed one), not one per record.
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(elapsed / ANCHOR_INTERVAL_MS) + 2);
    expect(writes.length).toBeLessThan(50);
    expect(JSON.parse(writes.at(-1) ?? '{}')).toEqual({ seq: 50, hash, keyedFrom: 1 });
    expect(JSON.parse((await counting.get('audit-chain-anchor:test')) ?? '{}')).toMatchObject({ seq: 50 });
  });
});
