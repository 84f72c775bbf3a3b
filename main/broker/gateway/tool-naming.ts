import { createHash } from 'node:crypto';

import { defaultPrefix } from '../config/server-prefix.js';

/**
 * Exposed names for aggregated tools and prompts: `<prefix><name>`, the prefix being `<server>__`
 * unless the server's config chose another (`config/server-prefix.ts`), valid for Claude
 * (`^[a-zA-Z0-9_-]{1,64}$`). Names that are already valid and short enough are kept as they are;
 * any other name is sanitized, shortened and suffixed with a hash of the original pair, so two
 * different pairs never end up with the same exposed name. A server without a prefix (then the
 * only server) keeps its names exactly: its clients saw them that way without the broker.
 */

/** What Claude (and most MCP clients) accept as a tool name. */
export const EXPOSED_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Longest exposed name. */
export const MAX_EXPOSED_NAME_LENGTH = 64;

/** One upstream item: the server it comes from and its name there. */
export interface QualifiedName {
  readonly server: string;
  /** The upstream tool or prompt name. */
  readonly name: string;
}

/** An item to name, with its server's prefix (`<server>__` when left out). */
export interface NamedItem extends QualifiedName {
  readonly prefix?: string;
}

const prefixOf = (item: NamedItem) => item.prefix ?? defaultPrefix(item.server);

/** The result of naming a whole set: both directions. */
export interface NameAssignment {
  /** Exposed name of an upstream item, or `undefined` when it was not in the set. */
  exposedName(server: string, name: string): string | undefined;
  /** The upstream item behind an exposed name, or `undefined` when no item has that name. */
  resolve(exposed: string): QualifiedName | undefined;
  /** Every exposed name → upstream item, in sorted upstream order. */
  readonly entries: ReadonlyMap<string, QualifiedName>;
}

/** Hash lengths tried in turn when a shortened name collides with one already taken. */
const HASH_LENGTHS = [8, 12, 16, 24, 32] as const;

/** Replaces every character outside `[a-zA-Z0-9_-]` with `_`. */
export function sanitizeName(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** The name used when `<prefix><name>` is already valid; `undefined` when it needs shortening. */
export function directExposedName(
  server: string,
  name: string,
  prefix = defaultPrefix(server),
): string | undefined {
  if (prefix === '') return name;
  const joined = `${prefix}${name}`;
  return EXPOSED_NAME_PATTERN.test(joined) ? joined : undefined;
}

/** Hex SHA-256 of `server + "\0" + name` (plus a salt on the rare extra rounds). */
function pairHash(server: string, name: string, salt?: number): string {
  const input = salt === undefined ? `${server}\0${name}` : `${server}\0${name}\0${salt}`;
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

/**
 * A shortened name: the sanitized `<prefix><name>` cut to fit, then `_` and the first
 * `hashLength` hex digits of the pair's hash. Always valid and at most 64 characters.
 */
export function shortenedExposedName(
  server: string,
  name: string,
  hashLength = 8,
  salt?: number,
  prefix = defaultPrefix(server),
): string {
  const hash = pairHash(server, name, salt).slice(0, hashLength);
  const room = MAX_EXPOSED_NAME_LENGTH - 1 - hash.length;
  const start = sanitizeName(`${prefix}${name}`).slice(0, room);
  return `${start}_${hash}`;
}

function compareQualified(a: QualifiedName, b: QualifiedName): number {
  if (a.server !== b.server) return a.server < b.server ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}

function uniquePairs(items: Iterable<NamedItem>): NamedItem[] {
  const seen = new Map<string, NamedItem>();
  for (const item of items) {
    seen.set(`${item.server}\0${item.name}`, {
      server: item.server,
      name: item.name,
      prefix: prefixOf(item),
    });
  }
  return [...seen.values()].sort(compareQualified);
}

/** The first shortened candidate that nobody holds yet; lengthens the hash on a collision. */
function freeShortenedName(item: NamedItem, taken: ReadonlySet<string>): string {
  for (const length of HASH_LENGTHS) {
    const candidate = shortenedExposedName(item.server, item.name, length, undefined, prefixOf(item));
    if (!taken.has(candidate)) return candidate;
  }
  for (let salt = 1; ; salt += 1) {
    const candidate = shortenedExposedName(item.server, item.name, 32, salt, prefixOf(item));
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Names a whole set of upstream items. Deterministic whatever the input order: items are sorted
 * first, names that need no change are taken first, then shortened names are assigned in sorted
 * order, lengthening the hash if one collides.
 */
export function assignExposedNames(items: Iterable<NamedItem>): NameAssignment {
  const sorted = uniquePairs(items);
  const byKey = new Map<string, string>();
  const taken = new Set<string>();
  const pending: NamedItem[] = [];
  for (const item of sorted) {
    const direct = directExposedName(item.server, item.name, prefixOf(item));
    if (direct !== undefined && !taken.has(direct)) {
      taken.add(direct);
      byKey.set(`${item.server}\0${item.name}`, direct);
    } else {
      pending.push(item);
    }
  }
  for (const item of pending) {
    const shortened = freeShortenedName(item, taken);
    taken.add(shortened);
    byKey.set(`${item.server}\0${item.name}`, shortened);
  }
  const entries = new Map<string, QualifiedName>();
  for (const item of sorted) {
    const exposed = byKey.get(`${item.server}\0${item.name}`);
    if (exposed !== undefined) entries.set(exposed, { server: item.server, name: item.name });
  }
  return {
    exposedName: (server, name) => byKey.get(`${server}\0${name}`),
    resolve: (exposed) => entries.get(exposed),
    entries,
  };
}
