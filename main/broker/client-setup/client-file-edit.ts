import {
  applyEdits,
  findNodeAtLocation,
  type FormattingOptions,
  modify,
  parse,
  type ParseError,
  parseTree,
} from 'jsonc-parser';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';

import { BrokerError } from '../base/errors.js';
import type { ClientTarget } from './client-targets.js';

/**
 * Edits a client's config file in place: only the entries the broker adds or removes change, and
 * the rest of the text — comments (JSONC), key order, indentation, TOML tables — stays as it was.
 * Every edit is checked by parsing the result; an edit that would not give exactly the intended
 * server map is refused, leaving the file untouched.
 */

type Target = Pick<ClientTarget, 'format' | 'serversKey'>;

const invalid = (path: string, why: string) =>
  new BrokerError(
    'CLIENT_CONFIG_INVALID',
    `${path} ${why}, so it was left untouched. Fix it (or move it away) and try again, or paste the snippet by hand.`,
  );

function parseDocument(text: string, target: Target, path: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  if (target.format === 'toml') {
    try {
      value = parseToml(text);
    } catch (error) {
      throw invalid(
        path,
        `is not valid TOML (${error instanceof Error ? error.message.split('\n')[0] : ''})`,
      );
    }
  } else {
    const errors: ParseError[] = [];
    value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
    if (errors.length > 0) throw invalid(path, 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, 'is not an object');
  return value as Record<string, unknown>;
}

/** The server map of a client file (`{}` when the file or the map is absent). */
export function readServers(text: string | undefined, target: Target, path: string): Record<string, unknown> {
  if (text === undefined) return {};
  let node: unknown = parseDocument(text, target, path);
  for (const key of target.serversKey) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (node === undefined) return {};
  if (typeof node !== 'object' || node === null || Array.isArray(node))
    throw invalid(path, `has a "${target.serversKey.join('.')}" that is not an object`);
  return node as Record<string, unknown>;
}

/**
 * `text` with `set` entries written (added or replaced) and `remove` entries deleted from the
 * server map; `text` undefined = a new file.
 */
export function editServers(
  text: string | undefined,
  target: Target,
  path: string,
  change: { set?: Record<string, unknown>; remove?: readonly string[] },
): string {
  const before = readServers(text, target, path);
  const removed = new Set(change.remove ?? []);
  const expected = {
    ...Object.fromEntries(Object.entries(before).filter(([name]) => !removed.has(name))),
    ...change.set,
  };
  const next =
    target.format === 'toml'
      ? editToml(text ?? '', target.serversKey, change)
      : editJson(text ?? '', target.serversKey, change);
  if (canonical(readServers(next, target, path)) !== canonical(expected))
    throw invalid(path, 'has a layout the broker cannot edit safely (e.g. an inline table)');
  return next;
}

/** JSON with sorted keys: equal for equal data whatever the key order or prototype. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * `text` without the property at `path`: its whole lines when it has them to itself, and the comma
 * that separated it, so the neighbours keep their formatting.
 */
function removeProperty(text: string, path: string[]): string {
  const tree = parseTree(text, [], { allowTrailingComma: true });
  const prop = tree ? findNodeAtLocation(tree, path)?.parent : undefined;
  const siblings = prop?.parent?.children;
  if (!prop || prop.type !== 'property' || !siblings) return text;
  let start = prop.offset;
  let end = prop.offset + prop.length;
  const trailing = /^\s*,/.exec(text.slice(end));
  const index = siblings.indexOf(prop);
  const prev = index > 0 ? siblings[index - 1] : undefined;
  if (trailing) end += trailing[0].length;
  else if (prev) {
    const from = prev.offset + prev.length;
    const comma = text.slice(from, start).indexOf(',');
    if (comma >= 0) start = from + comma;
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, start))) start = lineStart;
  const lineEnd = text.indexOf('\n', end);
  if (lineEnd >= 0 && /^[ \t]*$/.test(text.slice(end, lineEnd)) && start === lineStart) end = lineEnd + 1;
  return text.slice(0, start) + text.slice(end);
}

function formatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent?.length ?? 2, eol };
}

function editJson(
  text: string,
  key: readonly string[],
  change: { set?: Record<string, unknown>; remove?: readonly string[] },
): string {
  let out = text.trim() === '' ? '{}\n' : text;
  const formattingOptions = formatting(out);
  const set = Object.entries(change.set ?? {});
  for (const name of [...(change.remove ?? []), ...set.map(([n]) => n)])
    out = removeProperty(out, [...key, name]);
  for (const [name, value] of set) {
    const inserted = insertProperty(out, key, name, value, formattingOptions);
    out = inserted ?? applyEdits(out, modify(out, [...key, name], value, { formattingOptions }));
  }
  return out;
}

/**
 * `text` with `"name": value` added as the last property of the object at `key`, on its own
 * lines at its siblings' indentation; undefined when that object does not exist yet.
 */
function insertProperty(
  text: string,
  key: readonly string[],
  name: string,
  value: unknown,
  options: FormattingOptions,
): string | undefined {
  const tree = parseTree(text, [], { allowTrailingComma: true });
  const object = tree ? findNodeAtLocation(tree, [...key]) : undefined;
  if (object?.type !== 'object') return undefined;
  const eol = options.eol ?? '\n';
  const unit = options.insertSpaces ? ' '.repeat(options.tabSize ?? 2) : '\t';
  const indentOf = (offset: number) =>
    /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', offset - 1) + 1))?.[0] ?? '';
  const last = object.children?.at(-1);
  const indent = last ? indentOf(last.offset) : indentOf(object.offset) + unit;
  const body = JSON.stringify(value, null, unit)
    .split('\n')
    .join(eol + indent);
  const entry = `${JSON.stringify(name)}: ${body}`;
  if (!last) {
    const close = object.offset + object.length - 1;
    return `${text.slice(0, object.offset + 1)}${eol}${indent}${entry}${eol}${indentOf(object.offset)}${text.slice(close)}`;
  }
  const at = last.offset + last.length;
  return `${text.slice(0, at)},${eol}${indent}${entry}${text.slice(at)}`;
}

/** `[a."b.c"]` → `['a', 'b.c']`; undefined for a line that is not a table header. */
function tableHeader(line: string): string[] | undefined {
  const match = /^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$/.exec(line);
  if (!match?.[1]) return undefined;
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(match[1])) !== null && m[0] !== '') parts.push(m[1] ?? m[2] ?? m[3] ?? '');
  return parts;
}

const startsWith = (path: string[], prefix: string[]) => prefix.every((p, i) => path[i] === p);

function editToml(
  text: string,
  key: readonly string[],
  change: { set?: Record<string, unknown>; remove?: readonly string[] },
): string {
  const drop = new Set([...(change.remove ?? []), ...Object.keys(change.set ?? {})]);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const kept: string[] = [];
  let dropping = false;
  for (const line of text.split(/\r?\n/)) {
    const header = tableHeader(line);
    if (header) dropping = [...drop].some((name) => startsWith(header, [...key, name]));
    if (!dropping) kept.push(line);
  }
  let out = kept.join(eol).replace(/\s+$/, '');
  for (const [name, value] of Object.entries(change.set ?? {})) {
    const header = [...key, name].map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
    const body = stringifyToml(value).trimEnd();
    out += `${out === '' ? '' : eol + eol}[${header}]${eol}${body.split('\n').join(eol)}`;
  }
  return out === '' ? '' : out + eol;
}
