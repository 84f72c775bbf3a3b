import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { EncryptedFileSecretStore } from './encrypted-file-store.js';

const PASSPHRASE = 'correct horse battery staple';
const CANARY = 'canary-plaintext-4b1d9e';

interface SealedJson {
  iv: string;
  tag: string;
  data: string;
}
interface FileJson {
  version: number;
  kdf: { name: string; salt: string; N: number; r: number; p: number };
  check: SealedJson;
  entries: Record<string, SealedJson>;
}

describe('EncryptedFileSecretStore', () => {
  let dir: { path: string; remove: () => void };
  let path: string;
  const open = (passphrase = PASSPHRASE): EncryptedFileSecretStore =>
    new EncryptedFileSecretStore({ path, passphrase });
  const readJson = (): FileJson => JSON.parse(readFileSync(path, 'utf8')) as FileJson;
  const writeJson = (json: FileJson): void => {
    writeFileSync(path, JSON.stringify(json));
  };

  beforeEach(() => {
    dir = makeTempDir();
    path = join(dir.path, 'nested', 'secrets.enc.json');
  });
  afterEach(() => {
    dir.remove();
  });

  it('sets, reads back, lists and deletes secrets', async () => {
    const store = open();
    expect(store.description).toBe(`encrypted file ${path}`);
    await store.set('github.token', 'ghp_1');
    await store.set('a:first', 'välue ✓ "quoted"\nsecond line');
    expect(await store.get('github.token')).toBe('ghp_1');
    expect(await store.get('a:first')).toBe('välue ✓ "quoted"\nsecond line');
    expect(await store.list()).toEqual(['a:first', 'github.token']);
    await store.set('github.token', 'ghp_2');
    expect(await store.get('github.token')).toBe('ghp_2');

    expect(await store.delete('github.token')).toBe(true);
    expect(await store.delete('github.token')).toBe(false);
    expect(await store.get('github.token')).toBeUndefined();
    expect(await store.list()).toEqual(['a:first']);
  });

  it('reads nothing and creates no file until the first set', async () => {
    const store = open();
    expect(await store.list()).toEqual([]);
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.delete('missing')).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it('keeps secrets across re-opening, and sees writes made by another instance', async () => {
    await open().set('api-key', 'value-1');
    const reopened = open();
    expect(await reopened.get('api-key')).toBe('value-1');
    await open().set('api-key', 'value-2');
    expect(await reopened.get('api-key')).toBe('value-2');
  });

  it('writes no plaintext and uses the documented format with fresh IVs', async () => {
    const store = open();
    await store.set('first', CANARY);
    await store.set('second', CANARY);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 16));
    expect(text).not.toContain(PASSPHRASE);

    const json = readJson();
    expect(json.version).toBe(1);
    expect(json.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 15, r: 8, p: 1 });
    expect(Buffer.from(json.kdf.salt, 'base64')).toHaveLength(16);
    const [first, second] = [json.entries['first']!, json.entries['second']!];
    expect(Buffer.from(first.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(first.tag, 'base64')).toHaveLength(16);
    expect(first.iv).not.toBe(second.iv);
    expect(first.data).not.toBe(second.data);

    await store.set('first', CANARY);
    expect(readJson().entries['first']!.iv).not.toBe(first.iv);
  });

  it.skipIf(process.platform === 'win32')('keeps the file private (mode 0600)', async () => {
    await open().set('api-key', 'v');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong passphrase without touching the file', async () => {
    await open().set('api-key', 'v');
    const before = readFileSync(path, 'utf8');
    const wrong = open('not the passphrase');
    for (const attempt of [() => wrong.get('api-key'), () => wrong.list(), () => wrong.set('other', 'x')]) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'SECRET_FILE_CORRUPT',
        message: expect.stringContaining('wrong passphrase or corrupted file') as unknown,
      });
    }
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses tampered ciphertext but still reads untouched entries', async () => {
    const store = open();
    await store.set('victim', 'secret-a');
    await store.set('bystander', 'secret-b');
    const json = readJson();
    const data = Buffer.from(json.entries['victim']!.data, 'base64');
    data[0] = data[0]! ^ 0x01;
    json.entries['victim']!.data = data.toString('base64');
    writeJson(json);

    await expect(store.get('victim')).rejects.toMatchObject({
      code: 'SECRET_FILE_CORRUPT',
      message: expect.stringContaining('failed its integrity check') as unknown,
    });
    expect(await store.get('bystander')).toBe('secret-b');
  });

  it('binds each value to its name: a value moved to another name is refused', async () => {
    const store = open();
    await store.set('low-value', 'public-ish');
    await store.set('high-value', 'crown-jewels');
    const json = readJson();
    json.entries['low-value'] = json.entries['high-value']!;
    writeJson(json);
    await expect(store.get('low-value')).rejects.toMatchObject({ code: 'SECRET_FILE_CORRUPT' });
  });

  it('refuses files that are not valid JSON or not this format', async () => {
    await open().set('api-key', 'v');
    const valid = readJson();
    writeFileSync(path, '{"version": 1, "kdf":');
    await expect(open().list()).rejects.toMatchObject({ code: 'SECRET_FILE_CORRUPT' });
    writeJson({ ...valid, version: 2 });
    await expect(open().list()).rejects.toMatchObject({ code: 'SECRET_FILE_CORRUPT' });
    writeJson({ ...valid, kdf: { ...valid.kdf, N: 2 } });
    await expect(open().list()).rejects.toMatchObject({ code: 'SECRET_FILE_CORRUPT' });
  });

  it('validates secret names and treats prototype names as ordinary names', async () => {
    const store = open();
    for (const bad of ['', '__proto__', 'a/b', 'has space', 'x'.repeat(129)]) {
      await expect(store.set(bad, 'v')).rejects.toMatchObject({ code: 'SECRET_NAME_INVALID' });
      await expect(store.get(bad)).rejects.toMatchObject({ code: 'SECRET_NAME_INVALID' });
      await expect(store.delete(bad)).rejects.toMatchObject({ code: 'SECRET_NAME_INVALID' });
    }
    await store.set('other', 'v');
    expect(await store.get('constructor')).toBeUndefined();
    await store.set('constructor', 'c');
    expect(await open().get('constructor')).toBe('c');
  });

  it('loses no write when one instance is used concurrently', async () => {
    const store = open();
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    await Promise.all(names.map((name) => store.set(name, `value-${name}`)));
    expect(await store.list()).toEqual(names);
    expect(await open().get('a3')).toBe('value-a3');
  });

  it('refuses an empty passphrase', () => {
    expect(() => open('')).toThrow(expect.objectContaining({ code: 'SECRET_PASSPHRASE_MISSING' }));
  });
});
