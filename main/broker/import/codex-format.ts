import { parse, TomlError } from 'smol-toml';

import { BrokerError } from '../base/errors.js';
import { type ClientEntry, entriesAt, isObject } from './client-entry.js';

/**
 * Codex CLI's `~/.codex/config.toml`: one `[mcp_servers.NAME]` table per server with `command`,
 * `args`, `env` (an inline table or `[mcp_servers.NAME.env]`), `cwd`, or `url` with `http_headers`
 * for a streamable HTTP server. `bearer_token_env_var` names a variable of Codex's own environment:
 * it is kept as a reference the person fills in (`${NAME}` in an Authorization header).
 */
export function parseCodexToml(text: string, file?: string): ClientEntry[] {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    const where =
      error instanceof TomlError ? ` (line ${String(error.line)}, column ${String(error.column)})` : '';
    throw new BrokerError(
      'IMPORT_INVALID',
      `${file ?? 'This'} is not valid TOML${where}. Check the [mcp_servers.NAME] tables.`,
    );
  }
  if (!isObject(value)) return [];
  const tables = value['mcp_servers'];
  const entries = entriesAt(tables, ['mcp_servers'], {
    client: 'codex',
    ...(file === undefined ? {} : { file }),
  });
  return entries.map((entry) => {
    const raw = isObject(tables) ? tables[entry.label] : undefined;
    const bearer = isObject(raw) ? raw['bearer_token_env_var'] : undefined;
    if (typeof bearer !== 'string' || entry.headers['Authorization'] !== undefined) return entry;
    return { ...entry, headers: { ...entry.headers, Authorization: `Bearer \${${bearer}}` } };
  });
}
