import type { AuditSink } from '../audit/audit-event.js';
import { addServerEntries } from '../config/server-entries.js';
import type { BrokerConfig } from '../config/config-schema.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { secretsOf, type FoundServer } from './mcp-config-import.js';

/** One server of an import plan: what will happen to it. */
export interface PlannedServer {
  name: string;
  command: string;
  secrets: { variable: string; secret: string }[];
  problem?: string;
}

/** What importing `found` into a broker that already has `existing` servers would do. */
export function planImport(found: FoundServer[], existing: ReadonlySet<string>): PlannedServer[] {
  return found.map((server) => {
    const planned: PlannedServer = {
      name: server.name,
      command: [server.command, ...server.args].join(' ').trim(),
      secrets: secretsOf(server),
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
  moved: { server: string; variable: string; secret: string }[];
  /** The config after the import (to start the new servers). */
  config: BrokerConfig | undefined;
}

/**
 * Imports the chosen servers: every secret-looking env value is stored under `<server>-<VAR>` and
 * replaced by `{"secret": …}`; then the entries are added to the broker config in one atomic write.
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
  const plan = planImport(found, options.existing);
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
    for (const { variable, secret } of planned.secrets) {
      await options.store.set(secret, server.env[variable] ?? '');
      options.audit?.record({ type: 'secret.set', outcome: 'ok', secretName: secret, server: server.name });
      env[variable] = { secret };
      outcome.moved.push({ server: server.name, variable, secret });
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
