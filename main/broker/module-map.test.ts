import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

describe('README module map', () => {
  it('names every folder under main/broker/ once, and no folder that is not there', () => {
    const folders = readdirSync(new URL('main/broker/', root), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${e.name}/`)
      .sort();
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const mapStart = readme.indexOf('Module map of `main/broker/`');
    expect(mapStart).toBeGreaterThan(0);
    // The map is the first table after its heading line: consecutive lines starting with '|'.
    const after = readme.slice(mapStart).split('\n');
    const first = after.findIndex((line) => line.startsWith('|'));
    const end = after.findIndex((line, i) => i > first && !line.startsWith('|'));
    const rows = after.slice(first, end).filter((line) => line.startsWith('| `'));
    const named = rows.map((line) => /^\| `([^`]+)`/.exec(line)?.[1] ?? '').filter((n) => n.endsWith('/'));
    expect([...named].sort()).toEqual(folders);
  });

  it('names every folder under main/ (the core, the contract, the shell, test support) in the layout', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const start = readme.indexOf('Layout: ');
    const layout = readme.slice(start, readme.indexOf('\n\n', start));
    expect(start).toBeGreaterThan(0);
    const folders = readdirSync(new URL('main/', root), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `\`main/${e.name}/\``);
    expect(folders).toContain('`main/contract/`');
    for (const folder of folders) expect(layout).toContain(folder);
  });

  it('keeps main/contract/ to schemas: every file there imports only zod and its own files', () => {
    const dir = new URL('main/contract/', root);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const sources = [...text.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((m) => m[1]);
      expect(sources, file).toContain('zod');
      for (const source of sources)
        expect(source, `${file} imports ${source ?? ''}`).toMatch(/^(zod|\.\/[\w-]+\.js)$/);
    }
  });
});
