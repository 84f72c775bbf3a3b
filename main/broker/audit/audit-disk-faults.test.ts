import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  connectThroughShim,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

/** Mounts a tmpfs of `size` at `dir` (root only); returns why not when it cannot. */
function mountTmpfs(dir: string, options: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs (${(error as Error).message.split('\n')[0] ?? ''}); needs root`;
  }
}

const probe = makeTempDir();
const mountProblem = mountTmpfs(join(probe.path, 'm'), 'size=64k');
if (mountProblem === undefined) execFileSync('umount', [join(probe.path, 'm')]);
probe.remove();
if (mountProblem !== undefined) console.warn(`skipping REL-5 disk fault tests: ${mountProblem}`);

let tmp: ReturnType<typeof makeTempDir>;
const brokers: RunningBroker[] = [];
const mounts: string[] = [];

beforeEach(() => {
  tmp = makeTempDir();
});

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir]);
  tmp.remove();
});

function cli(home: BrokerHome, args: string[]) {
  return runCli([...args, '--config', home.configPath, '--data-dir', home.dataDir]);
}

/** Fills the file system of `dir` with one file until writes fail with ENOSPC. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const chunk = Buffer.alloc(4096, 0x61);
  try {
    for (;;) appendFileSync(path, chunk);
  } catch {
    // full: only the slack in the last page of each file is left
  }
  return path;
}

async function healthz(url: string): Promise<number> {
  const res = await fetch(`${url}/healthz`);
  return res.status;
}

interface AuditStatus {
  audit?: { writable: boolean; error?: string; since?: string; lost?: number };
}

describe.skipIf(mountProblem !== undefined)(
  'audit log on a full or read-only disk',
  { timeout: 90_000 },
  () => {
    it('REL-5 a full data dir never crashes the broker nor turns a tool call that ran into a failure; the gap is recorded', async () => {
      const home = writeBrokerHome(tmp.path, { servers: { a: fixtureServer() } });
      mounts.push(home.dataDir);
      expect(mountTmpfs(home.dataDir, 'size=1m')).toBeUndefined();
      const broker = await startBroker(home, []);
      brokers.push(broker);
      const first = await connectThroughShim(home);
      const filler = fill(home.dataDir);
      // The calls run; once the last page of audit.jsonl is full their audit lines cannot be written;
      // the client still gets each tool's real result.
      for (let i = 0; i < 40; i++) {
        const result = await first.client.callTool({
          name: 'a__echo',
          arguments: { text: `still here ${String(i)}` },
        });
        expect(JSON.stringify(result.content)).toContain(`still here ${String(i)}`);
        expect(result.isError).not.toBe(true);
      }
      // A client disconnect (an audit write in a close handler) does not end the broker.
      await first.client.close();
      // A fixed wait on purpose: it proves the broker does NOT exit after the failed write.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(broker.process.exitCode).toBeNull();
      expect(await healthz(broker.url)).toBe(200);
      const status = await cli(home, ['status', '--json']);
      const audit = (JSON.parse(status.stdout) as AuditStatus).audit;
      expect(audit?.writable).toBe(false);
      expect(audit?.error).toContain('ENOSPC');
      expect(audit?.lost).toBeGreaterThanOrEqual(2);
      // Space comes back: the next record writes the gap first, then itself.
      rmSync(filler);
      const second = await connectThroughShim(home);
      await second.client.callTool({ name: 'a__echo', arguments: { text: 'again' } });
      await second.client.close();
      const after = JSON.parse((await cli(home, ['status', '--json'])).stdout) as AuditStatus;
      expect(after.audit?.writable).toBe(true);
      await broker.stop();
      const log = readFileSync(join(home.dataDir, 'audit', 'audit.jsonl'), 'utf8');
      const gap = log
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; message?: string })
        .find((r) => r.type === 'audit.gap');
      expect(gap?.message).toMatch(/\d+ record\(s\) could not be written between .* ENOSPC/);
      expect((await cli(home, ['audit', 'verify'])).code).toBe(0);
    });

    it('REL-5 a read-only data dir stops serve with a clear message naming the folder', async () => {
      const home = writeBrokerHome(tmp.path, { servers: { a: fixtureServer() } });
      mounts.push(home.dataDir);
      expect(mountTmpfs(home.dataDir, 'ro,size=1m')).toBeUndefined();
      const serve = await cli(home, ['serve', '--port', '0']);
      expect(serve.code).not.toBe(0);
      expect(serve.stderr).toContain(home.dataDir);
      expect(serve.stderr).toMatch(/read-only/i);
      expect(serve.stderr).not.toContain('looks like a bug');
    });
  },
);
