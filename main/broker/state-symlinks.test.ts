import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../test-support/memory-secret-store.js';
import { makeTempDir } from '../test-support/temp-dir.js';
import { readAuditTail } from './audit/audit-read.js';
import { AuthzStateStore } from './authz/authz-state-store.js';
import { TokenStore } from './providers/token-store.js';

let tmp: ReturnType<typeof makeTempDir>;
let elsewhere: string;
const ELSEWHERE = '{"accounts": {}, "note": "another file of this user"}\n';

beforeEach(() => {
  tmp = makeTempDir('mab-state-links-');
  elsewhere = join(tmp.path, 'elsewhere.json');
  writeFileSync(elsewhere, ELSEWHERE);
});
afterEach(() => tmp.remove());

/** Plants `file` (inside the data dir) as a symlink to a file the person never meant the broker to use. */
function plant(file: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  symlinkSync(elsewhere, file);
}

describe.skipIf(process.platform === 'win32')('state files are never read through a symlink', () => {
  it('SEC-4 a symlinked provider accounts file is refused, naming it', () => {
    const dataDir = join(tmp.path, 'data');
    plant(join(dataDir, 'providers', 'accounts.json'));
    const store = new TokenStore(memorySecretStore(), dataDir);
    expect(() => store.list()).toThrow(
      /Refusing to use the provider accounts file .*accounts\.json: it is a symlink/,
    );
    expect(readFileSync(elsewhere, 'utf8')).toBe(ELSEWHERE);
  });

  it('SEC-4 a symlinked authorization state file is refused, not moved aside as corrupt', () => {
    const path = join(tmp.path, 'authz', 'authz-state.enc.json');
    plant(path);
    expect(() => new AuthzStateStore({ path, key: randomBytes(32), clock: { now: () => 0 } })).toThrow(
      /Refusing to use the authorization state file .*: it is a symlink/,
    );
    expect(readFileSync(path, 'utf8')).toBe(ELSEWHERE);
  });

  it('SEC-4 a symlinked audit file is refused by the reader', () => {
    const dir = join(tmp.path, 'audit');
    plant(join(dir, 'audit.jsonl'));
    expect(() => readAuditTail(dir, 10)).toThrow(/Refusing to use the audit file .*: it is a symlink/);
  });
});
