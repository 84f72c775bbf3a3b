import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

import { z } from 'zod';

import { writeFileAtomic } from '../base/atomic-file.js';

/**
 * Which entries of which client file an import moved into the broker (`{source name: broker
 * name}` per file), so installing the broker into that client can remove them there — by default
 * after an import from that file. Paths and names only: no secret is ever in this file.
 */
const FILE = 'client-imports.json';

const ProvenanceSchema = z.object({
  v: z.literal(1),
  files: z.record(z.string(), z.record(z.string(), z.string())),
});
type Provenance = z.infer<typeof ProvenanceSchema>;

/** The same key for every spelling of a path (symlinks resolved when the file exists). */
function fileKey(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function load(dataDir: string): Provenance {
  const path = resolve(dataDir, FILE);
  if (!existsSync(path)) return { v: 1, files: {} };
  try {
    return ProvenanceSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    // An unreadable record only loses the default "remove the imported entries"; never the file.
    return { v: 1, files: {} };
  }
}

/** Records that `names` (source → broker) of `sourcePath` now live in the broker. */
export function recordImport(dataDir: string, sourcePath: string, names: Record<string, string>): void {
  if (Object.keys(names).length === 0) return;
  const state = load(dataDir);
  const key = fileKey(sourcePath);
  state.files[key] = { ...state.files[key], ...names };
  writeFileAtomic(resolve(dataDir, FILE), JSON.stringify(state, null, 2) + '\n', 0o600);
}

/** Entries of `clientPath` imported into the broker: `{source name: broker name}`. */
export function importedFrom(dataDir: string, clientPath: string): Record<string, string> {
  return load(dataDir).files[fileKey(clientPath)] ?? {};
}
