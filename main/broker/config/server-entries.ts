import { readFileSync } from 'node:fs';

import { BrokerError } from '../base/errors.js';
import { parseConfig, writeConfigFile } from './config-file.js';
import type { BrokerConfig, RemoteServerConfig, StdioServerConfig } from './config-schema.js';

/**
 * Edits of the `servers` section of the broker's config file made from the UI or `import`: the file
 * is read as raw JSON (so defaults are not written out and other fields stay as the person wrote
 * them), changed, validated with the same schema as at start, and written atomically.
 */

type RawConfig = Record<string, unknown> & { servers?: Record<string, unknown> };

function readRaw(file: string): RawConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new BrokerError(
      'CONFIG_UNREADABLE',
      `Cannot read the config file ${file} to change it (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BrokerError('CONFIG_INVALID', `The config file ${file} is not a JSON object.`);
  }
  return value as RawConfig;
}

/** The config `change` would give (validated with the start-up schema), without writing it. */
function planServers(
  file: string,
  change: (servers: Record<string, unknown>) => void,
): { next: RawConfig; parsed: BrokerConfig } {
  const raw = readRaw(file);
  const servers = { ...(raw.servers ?? {}) };
  change(servers);
  const next = { ...raw, servers };
  return { next, parsed: parseConfig(next, file) };
}

/** Applies `change` to the raw servers table, validates the result and writes it. Returns the parsed config. */
export function editServers(file: string, change: (servers: Record<string, unknown>) => void): BrokerConfig {
  const { next, parsed } = planServers(file, change);
  writeConfigFile(file, next);
  return parsed;
}

const addEntries = (entries: Record<string, unknown>) => (servers: Record<string, unknown>) => {
  for (const [name, entry] of Object.entries(entries)) {
    if (Object.hasOwn(servers, name)) {
      throw new BrokerError(
        'SERVER_EXISTS',
        `A server named "${name}" is already configured. Rename the new one or remove the old one first.`,
      );
    }
    servers[name] = entry;
  }
};

/** Adds new server entries; a name that is already configured fails with SERVER_EXISTS. */
export function addServerEntries(file: string, entries: Record<string, unknown>): BrokerConfig {
  return editServers(file, addEntries(entries));
}

/** Throws what {@link addServerEntries} would (SERVER_EXISTS, CONFIG_INVALID with the JSON path); writes nothing. */
export function checkServerEntries(file: string, entries: Record<string, unknown>): BrokerConfig {
  return planServers(file, addEntries(entries)).parsed;
}

/** Removes one server entry (stdio or remote); SERVER_NOT_FOUND when there is none. */
export function removeServerEntry(file: string, name: string): BrokerConfig {
  return editServers(file, (servers) => {
    if (!Object.hasOwn(servers, name))
      throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the raw table is keyed by server name
    delete servers[name];
  });
}

/** Sets `enabled` of one server (stdio or remote, kept under `servers`); returns its new parsed config. */
export function setServerEnabled(
  file: string,
  name: string,
  enabled: boolean,
): StdioServerConfig | RemoteServerConfig {
  const config = editServers(file, (servers) => {
    const entry = servers[name];
    if (typeof entry !== 'object' || entry === null) {
      throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
    }
    const next: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
    if (enabled) delete next['enabled'];
    else next['enabled'] = false;
    servers[name] = next;
  });
  const server = config.servers[name] ?? config.remoteServers[name];
  if (!server) throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
  return server;
}
