import { ConnectTargetSchema } from '../../contract/window-api.js';

/**
 * One MCP server entry as an MCP client wrote it, read from one client file: the shape every client
 * format parser produces (`json-client-formats.ts`, `codex-format.ts`) before the import decides what
 * the broker does with it. Values are still literal here — secrets included — and never leave the
 * import code except as keychain items.
 */

/** The MCP clients whose files the import reads. */
export const CLIENT_IDS = [...ConnectTargetSchema.options, 'other'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/** Where an entry lives: the client, its file, and the key path of the entry inside that file. */
export interface EntryOrigin {
  client: ClientId;
  /** Absolute path of the client file; absent for pasted text. */
  file?: string;
  /** Keys from the file's root to the entry, e.g. `["mcpServers", "github"]` (for `install` to remove it). */
  path: string[];
}

export interface ClientEntry {
  /** The entry's name in the client file. */
  label: string;
  origin: EntryOrigin;
  command?: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** A remote server's URL (`url`, `httpUrl`, `serverUrl`). */
  url?: string;
  /** The transport the client names: `stdio`, `http`, `sse`, `streamable-http` … */
  type?: string;
  headers: Record<string, string>;
  /** The client has the entry switched off. */
  disabled?: boolean;
  /** VS Code `inputs` ids that are prompted with `password: true`. */
  passwordInputs?: ReadonlySet<string>;
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((a): a is string => typeof a === 'string') : [];
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads the common entry shape: `command`, `args`, `env`, `cwd`, `url` / `httpUrl` (Gemini) /
 * `serverUrl` (Windsurf), `type` / `transport`, `headers` / `http_headers` (Codex), `disabled` /
 * `enabled: false`. Zed's older `{"command": {"path", "args", "env"}}` is read too.
 */
export function clientEntry(label: string, raw: unknown, origin: EntryOrigin): ClientEntry {
  const entry: ClientEntry = { label, origin, args: [], env: {}, headers: {} };
  if (!isObject(raw)) return entry;
  const nested = isObject(raw['command']) ? raw['command'] : undefined;
  const command = str(nested ? nested['path'] : raw['command']);
  if (command !== undefined) entry.command = command;
  entry.args = strings(nested ? nested['args'] : raw['args']);
  entry.env = { ...stringRecord(raw['env']), ...stringRecord(nested?.['env']) };
  const cwd = str(raw['cwd']);
  if (cwd !== undefined) entry.cwd = cwd;
  const url = str(raw['httpUrl']) ?? str(raw['url']) ?? str(raw['serverUrl']);
  if (url !== undefined) entry.url = url;
  const type = str(raw['type']) ?? str(raw['transport']) ?? (str(raw['httpUrl']) ? 'http' : undefined);
  if (type !== undefined) entry.type = type;
  entry.headers = { ...stringRecord(raw['headers']), ...stringRecord(raw['http_headers']) };
  if (raw['disabled'] === true || raw['enabled'] === false) entry.disabled = true;
  return entry;
}

/** Entries of a `{name: entry}` table found at `path` in a file. */
export function entriesAt(table: unknown, path: string[], base: Omit<EntryOrigin, 'path'>): ClientEntry[] {
  if (!isObject(table)) return [];
  return Object.entries(table).map(([label, raw]) =>
    clientEntry(label, raw, { ...base, path: [...path, label] }),
  );
}
