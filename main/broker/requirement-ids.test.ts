import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const requirements = readFileSync(join(root, 'docs/requirements.md'), 'utf8');

/** The IDs the checklist defines: the first cell of each table row, e.g. `| PRM-1 | … |`. */
const defined = new Set([...requirements.matchAll(/^\|\s*([A-Z]+-\d+)\s*\|/gm)].map((m) => m[1] ?? ''));
const prefixes = [...new Set([...defined].map((id) => id.replace(/-\d+$/, '')))];
const idPattern = new RegExp(`\\b(?:${prefixes.join('|')})-\\d+\\b`, 'g');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const files = ['main', 'renderer/src', 'preload', 'e2e'].flatMap(sourceFiles);

describe('requirement IDs (docs/requirements.md)', () => {
  it('the checklist defines IDs', () => {
    expect(defined.size).toBeGreaterThan(50);
  });

  it('every ID named in code or tests is one the checklist defines', () => {
    const unknown = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(idPattern)]
        .map((m) => m[0])
        .filter((id) => !defined.has(id))
        .map((id) => `${id} in ${file.slice(root.length)}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every checklist ID is named in the title of at least one test', () => {
    const titles = files
      .filter((file) => /\.(test|spec)\.tsx?$/.test(file))
      .flatMap((file) => [
        ...readFileSync(file, 'utf8').matchAll(/\b(?:it|test)(?:\.\w+)?\(\s*(['"`])(.*?)\1/gs),
      ])
      .map((m) => m[2] ?? '')
      .join('\n');
    const untested = [...defined].filter((id) => !new RegExp(`\\b${id}\\b`).test(titles));
    expect(untested).toEqual([]);
  });
});
