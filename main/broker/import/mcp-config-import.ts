import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { BrokerError } from '../base/errors.js';
import { SERVER_NAME_PATTERN } from '../config/config-schema.js';
import { SECRET_NAME_PATTERN } from '../secrets/secret-store.js';
import { looksLikeSecret } from './secret-detection.js';

/**
 * Reading MCP server entries people already have: Claude Desktop's `claude_desktop_config.json`,
 * Cursor's `~/.cursor/mcp.json` (both `{"mcpServers": {name: {command, args, env}}}`), a single
 * pasted `"name": {…}` entry, or a bare `{command, args, env}` object.
 */

/** One stdio server found in a source, env values still literal. */
export interface FoundServer {
  /** Name as the broker will use it (sanitised to `SERVER_NAME_PATTERN`). */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Why it cannot be imported as a stdio server (e.g. a remote URL entry). */
  problem?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseLenient(text: string): unknown {
  const trimmed = text.trim().replace(/,\s*$/, '');
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    // A pasted fragment such as `"github": { … }` is an object body without its braces.
    try {
      return JSON.parse(`{${trimmed}}`) as unknown;
    } catch (error) {
      throw new BrokerError(
        'IMPORT_INVALID',
        `This is not valid JSON (${error instanceof Error ? error.message : String(error)}). Paste a whole "mcpServers" block or one "name": {…} entry.`,
      );
    }
  }
}

/** A broker server name from any label: letters, digits and "-", at most 32 characters. */
export function serverNameFrom(label: string): string {
  const cleaned = label
    .replace(/^@[^/]+\//, '')
    .replace(/@[^@]*$/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return SERVER_NAME_PATTERN.test(cleaned) ? cleaned : 'server';
}

function entriesOf(value: unknown): [string, unknown][] {
  if (!isObject(value)) throw new BrokerError('IMPORT_INVALID', 'Expected a JSON object with MCP servers.');
  if (isObject(value['mcpServers'])) return Object.entries(value['mcpServers']);
  if (typeof value['command'] === 'string' || typeof value['url'] === 'string') {
    const args: unknown[] = Array.isArray(value['args']) ? (value['args'] as unknown[]) : [];
    const last = [...args].reverse().find((a): a is string => typeof a === 'string' && !a.startsWith('-'));
    const label = last ?? (typeof value['command'] === 'string' ? basename(value['command']) : 'remote');
    return [[label, value]];
  }
  return Object.entries(value);
}

function toFound(label: string, entry: unknown): FoundServer {
  const name = serverNameFrom(label);
  if (!isObject(entry)) return { name, command: '', args: [], env: {}, problem: 'not a server entry' };
  const command = typeof entry['command'] === 'string' ? entry['command'] : '';
  const args = Array.isArray(entry['args']) ? entry['args'].filter((a) => typeof a === 'string') : [];
  const env: Record<string, string> = {};
  if (isObject(entry['env'])) {
    for (const [key, v] of Object.entries(entry['env'])) if (typeof v === 'string') env[key] = v;
  }
  const found: FoundServer = { name, command, args, env };
  if (typeof entry['cwd'] === 'string') found.cwd = entry['cwd'];
  if ([command, ...args].some((a) => /mcp-auth-broker(\.js)?$/.test(a)) && args.includes('connect')) {
    found.problem = 'this entry is the broker itself';
  } else if (command === '') {
    found.problem =
      typeof entry['url'] === 'string'
        ? 'a remote (URL) server: the broker runs stdio servers only for now'
        : 'it has no "command"';
  }
  return found;
}

/** Servers found in the JSON `text` (names made unique). */
export function parseMcpServers(text: string): FoundServer[] {
  const used = new Set<string>();
  return entriesOf(parseLenient(text)).map(([label, entry]) => {
    const found = toFound(label, entry);
    let unique = found.name;
    for (let i = 2; used.has(unique); i++) unique = `${found.name.slice(0, 29)}-${String(i)}`;
    used.add(unique);
    return { ...found, name: unique };
  });
}

/** Reads a Claude Desktop / Cursor config file; its content is never modified. */
export function readMcpServersFile(path: string): FoundServer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new BrokerError('IMPORT_INVALID', `Cannot read ${path} (${code}). Check the path.`);
  }
  return parseMcpServers(text);
}

/** Secret name a moved env value gets: `<server>-<VAR>`, cut to the allowed length. */
/** Longest secret name ({@link SECRET_NAME_PATTERN}). */
export const SECRET_NAME_MAX_LENGTH = 128;

export function secretNameFor(server: string, variable: string): string {
  const name = `${server}-${variable}`.slice(0, SECRET_NAME_MAX_LENGTH);
  return SECRET_NAME_PATTERN.test(name) ? name : `${server}-secret`;
}

/** Env variables of `server` whose values will move into the secret store, with their secret names. */
export function secretsOf(server: FoundServer): { variable: string; secret: string }[] {
  return Object.entries(server.env)
    .filter(([variable, value]) => looksLikeSecret(variable, value))
    .map(([variable]) => ({ variable, secret: secretNameFor(server.name, variable) }));
}
