import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError } from '../base/errors.js';
import {
  type RemoteServerConfig,
  SERVER_NAME_PATTERN,
  type StdioServerConfig,
} from '../config/config-schema.js';
import { addServerEntries, checkServerEntries } from '../config/server-entries.js';
import type { SecretStore } from '../secrets/secret-store.js';

/**
 * Adding a server from the catalog or by command / URL (`add`, the window's catalog), and removing
 * one (`remove`): secrets go to the keychain first under names that are never taken over (an
 * existing name gets `-2`, `-3`, …: SEC-8), then the entry is validated and written atomically.
 */

export interface AddServerRequest {
  name: string;
  /** The raw config entry; env values may reference `secrets` by name as `{"secret": NAME}`. */
  entry: Record<string, unknown>;
  /** Secret values by the name the entry uses. */
  secrets: Readonly<Record<string, string>>;
}

export interface AddServerDeps {
  configPath: string;
  store: SecretStore;
  audit?: AuditSink;
}

export function assertServerName(name: string): void {
  if (!SERVER_NAME_PATTERN.test(name))
    throw new BrokerError(
      'USAGE',
      `"${name}" cannot be a server name: use letters, digits and dashes (up to 32, starting with a letter or digit).`,
    );
}

/** `entry` with each `{"secret": from}` env reference renamed per `renames`. */
function renameSecrets(
  entry: Record<string, unknown>,
  renames: Map<string, string>,
): Record<string, unknown> {
  const env = entry['env'];
  if (typeof env !== 'object' || env === null) return entry;
  const next = Object.fromEntries(
    Object.entries(env).map(([k, v]: [string, unknown]) => {
      const ref = typeof v === 'object' && v !== null && 'secret' in v ? v.secret : undefined;
      return [k, typeof ref === 'string' && renames.has(ref) ? { secret: renames.get(ref) } : v];
    }),
  );
  return { ...entry, env: next };
}

/** Stores the secrets (never overwriting one), writes the entry; returns the entry and secret names. */
export async function addServer(
  deps: AddServerDeps,
  request: AddServerRequest,
): Promise<{ config: StdioServerConfig | RemoteServerConfig; secrets: string[] }> {
  assertServerName(request.name);
  const taken = new Set(await deps.store.list());
  const renames = new Map<string, string>();
  for (const wanted of Object.keys(request.secrets)) {
    let name = wanted;
    for (let n = 2; taken.has(name); n += 1) name = `${wanted}-${String(n)}`;
    taken.add(name);
    renames.set(wanted, name);
  }
  const entry = renameSecrets(request.entry, renames);
  // Validate (and refuse a name in use) before any secret is stored.
  checkServerEntries(deps.configPath, { [request.name]: entry });
  const stored: string[] = [];
  try {
    for (const [wanted, value] of Object.entries(request.secrets)) {
      const name = renames.get(wanted) ?? wanted;
      await deps.store.set(name, value);
      stored.push(name);
      deps.audit?.record({ type: 'secret.set', outcome: 'ok', secretName: name, server: request.name });
    }
    const parsed = addServerEntries(deps.configPath, { [request.name]: entry });
    const config = parsed.servers[request.name] ?? parsed.remoteServers[request.name];
    if (!config) throw new BrokerError('INTERNAL', `The entry of "${request.name}" was not written.`);
    deps.audit?.record({ type: 'server.added', outcome: 'ok', server: request.name });
    return { config, secrets: stored };
  } catch (error) {
    for (const name of stored) await deps.store.delete(name).catch(() => false);
    throw error;
  }
}
