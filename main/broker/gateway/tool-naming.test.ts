import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  assignExposedNames,
  directExposedName,
  EXPOSED_NAME_PATTERN,
  type QualifiedName,
  sanitizeName,
  shortenedExposedName,
} from './tool-naming.js';

function randomName(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/ é';
  const bytes = randomBytes(length);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE(0) % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('tool naming', () => {
  it('keeps valid short names as <server>__<tool>', () => {
    const names = assignExposedNames([{ server: 'github', name: 'create_issue' }]);
    expect(names.exposedName('github', 'create_issue')).toBe('github__create_issue');
    expect(names.resolve('github__create_issue')).toEqual({ server: 'github', name: 'create_issue' });
    expect(names.resolve('github__nope')).toBeUndefined();
  });

  it('sanitizes invalid characters and adds a hash so sanitized twins do not collide', () => {
    const names = assignExposedNames([
      { server: 'fs', name: 'read.file' },
      { server: 'fs', name: 'read_file' },
    ]);
    const dotted = names.exposedName('fs', 'read.file')!;
    expect(names.exposedName('fs', 'read_file')).toBe('fs__read_file');
    expect(dotted).toMatch(/^fs__read_file_[0-9a-f]{8}$/);
    expect(names.resolve(dotted)).toEqual({ server: 'fs', name: 'read.file' });
  });

  it('shortens long names to 64 characters with a hash of server and tool', () => {
    const tool = 'x'.repeat(100);
    const exposed = shortenedExposedName('srv', tool);
    expect(exposed).toHaveLength(64);
    expect(exposed).toMatch(EXPOSED_NAME_PATTERN);
    expect(exposed.startsWith('srv__xxx')).toBe(true);
    expect(directExposedName('srv', tool)).toBeUndefined();
    expect(sanitizeName('a b/c')).toBe('a_b_c');
  });

  it('lengthens the hash when a shortened name is already taken', () => {
    // A tool whose direct name is exactly the shortened name of another tool.
    const other = { server: 'srv', name: 'y'.repeat(80) };
    const squatter = shortenedExposedName(other.server, other.name).slice('srv__'.length);
    const names = assignExposedNames([other, { server: 'srv', name: squatter }]);
    expect(names.exposedName('srv', squatter)).toBe(`srv__${squatter}`);
    const exposed = names.exposedName(other.server, other.name)!;
    expect(exposed).toMatch(/_[0-9a-f]{12}$/);
    expect(exposed.length).toBeLessThanOrEqual(64);
  });

  it('gives 1000 random long names valid, unique names, whatever the input order', () => {
    const items: QualifiedName[] = Array.from({ length: 1000 }, (_, i) => ({
      server: ['alpha', 'beta-2', 'c'][i % 3]!,
      name: randomName(20 + (i % 90)),
    }));
    const first = assignExposedNames(items);
    const second = assignExposedNames(shuffled(items));
    const exposed = [...first.entries.keys()];
    expect(new Set(exposed).size).toBe(first.entries.size);
    for (const item of items) {
      const name = first.exposedName(item.server, item.name)!;
      expect(name).toMatch(EXPOSED_NAME_PATTERN);
      expect(second.exposedName(item.server, item.name)).toBe(name);
      expect(first.resolve(name)).toEqual(item);
    }
  });
});
