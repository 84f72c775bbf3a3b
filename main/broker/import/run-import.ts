import type { AuditSink } from '../audit/audit-event.js';
import type { BrokerConfig } from '../config/config-schema.js';
import { addServerEntries } from '../config/server-entries.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { type FoundServer, SECRET_NAME_MAX_LENGTH, secretsOf } from './mcp-config-import.js';

/** One env value the import moves into the secret store. */
export interface PlannedSecret {
  variable: string;
  secret: string;
  /** Set when `secret` is not the usual `<server>-<VAR>`: why (that name was taken). */
  note?: string;
}

/** One server of an import plan: what will happen to it. */
export interface PlannedServer {
  name: string;
  command: string;
  secrets: PlannedSecret[];
  problem?: string;
}

/** `base`, or `base-2`, `base-3` … (cut to the name length limit) — the first not in `taken`. */
function uniqueSecretName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const suffix = `-${String(n)}`;
    const candidate = `${base.slice(0, SECRET_NAME_MAX_LENGTH - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * What importing `found` into a broker that already has `existing` servers and `existingSecrets`
 * would do. A secret name already in the store, or already given to another variable of this plan,
 * is never reused: the variable gets the next free `<name>-<n>` and the plan says so (SEC-8), so an
 * import never overwrites a stored secret nor makes two variables share one.
 */
export function planImport(
  found: FoundServer[],
  existing: ReadonlySet<string>,
  existingSecrets: ReadonlySet<string>,
): PlannedServer[] {
  const taken = new Set(existingSecrets);
  return found.map((server) => {
    const secrets = secretsOf(server).map(({ variable, secret: wanted }): PlannedSecret => {
      const secret = uniqueSecretName(wanted, taken);
      taken.add(secret);
      return secret === wanted
        ? { variable, secret }
        : { variable, secret, note: `"${wanted}" is already used` };
    });
    const planned: PlannedServer = {
      name: server.name,
      command: [server.command, ...server.args].join(' ').trim(),
      secrets,
    };
    const problem =
      server.problem ??
      (existing.has(server.name) ? `a server named "${server.name}" is already configured` : undefined);
    if (problem !== undefined) planned.problem = problem;
    return planned;
  });
}

export interface ImportOutcome {
  imported: string[];
  skipped: { name: string; reason: string }[];
  moved: { server: string; variable: string; secret: string; note?: string }[];
  /** The config after the import (to start the new servers). */
  config: BrokerConfig | undefined;
}

/**
 * Imports the chosen servers: every secret-looking env value is stored under `<server>-<VAR>` (or the
 * free name {@link planImport} picked when that one is taken) and replaced by `{"secret": …}`; then the entries are added to the broker config in one atomic write.
 * Secrets are stored first, so a config never points at a secret that was not saved.
 */
export async function runImport(
  found: FoundServer[],
  options: {
    configPath: string;
    store: SecretStore;
    audit?: AuditSink;
    existing: ReadonlySet<string>;
    only?: readonly string[];
  },
): Promise<ImportOutcome> {
  const wanted = options.only ? new Set(options.only) : undefined;
  const plan = planImport(found, options.existing, new Set(await options.store.list()));
  const outcome: ImportOutcome = { imported: [], skipped: [], moved: [], config: undefined };
  const entries: Record<string, unknown> = {};
  for (const [i, server] of found.entries()) {
    const planned = plan[i];
    if (!planned || (wanted && !wanted.has(server.name))) continue;
    if (planned.problem !== undefined) {
      outcome.skipped.push({ name: server.name, reason: planned.problem });
      continue;
    }
    const env: Record<string, unknown> = { ...server.env };
    for (const { variable, secret, note } of planned.secrets) {
      await options.store.set(secret, server.env[variable] ?? '');
      options.audit?.record({ type: 'secret.set', outcome: 'ok', secretName: secret, server: server.name });
      env[variable] = { secret };
      outcome.moved.push({ server: server.name, variable, secret, ...(note === undefined ? {} : { note }) });
    }
    entries[server.name] = {
      command: server.command,
      ...(server.args.length > 0 ? { args: server.args } : {}),
      ...(Object.keys(env).length > 0 ? { env } : {}),
      ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
    };
    outcome.imported.push(server.name);
  }
  if (outcome.imported.length > 0) outcome.config = addServerEntries(options.configPath, entries);
  return outcome;
}
