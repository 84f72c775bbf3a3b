import { readFileSync } from 'node:fs';

import { BrokerError } from '../base/errors.js';
import type { ClientEntry } from './client-entry.js';
import { parseCodexToml } from './codex-format.js';
import { type FoundServer, foundServers, type Platform } from './found-server.js';
import { parseJsonClientFile } from './json-client-formats.js';

/**
 * Reading the MCP server entries people already have, from any client file (JSON/JSONC or Codex
 * TOML) or pasted text, into the servers the broker would run. Client files are never modified.
 */

/** Every entry of the client file at `path` (format from the name: `.toml` is Codex, else JSON(C)). */
export function readClientFile(path: string): ClientEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new BrokerError('IMPORT_INVALID', `Cannot read ${path} (${code}). Check the path.`);
  }
  return path.toLowerCase().endsWith('.toml') ? parseCodexToml(text, path) : parseJsonClientFile(text, path);
}

/** Servers found in pasted JSON `text` (names made unique). */
export function parseMcpServers(text: string, platform?: Platform): FoundServer[] {
  return foundServers(parseJsonClientFile(text), platform);
}

/** Servers of one client file. */
export function readMcpServersFile(path: string, platform?: Platform): FoundServer[] {
  return foundServers(readClientFile(path), platform);
}
