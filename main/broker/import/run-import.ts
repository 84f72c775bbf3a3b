import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError } from '../base/errors.js';
import type { BrokerConfig } from '../config/config-schema.js';
import { addServerEntries, editServers } from '../config/server-entries.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { EntryOrigin } from './client-entry.js';
import type { FoundServer } from './found-server.js';
import { planImport, type PlannedServer, type PlanOptions } from './import-plan.js';

/**
 * Carries out an import plan: stores each `move` secret in the keychain (checking again that the
 * name is still free: SEC-8), then writes every imported entry into the broker config in one atomic
 * edit. Secrets are stored first, so a config never points at a secret that was not saved. A
 * re-imported server (`update`) keeps its broker fields: `tools`, `enabled`, `prefix`, `callTimeoutMs`.
 */

export interface MovedSecret {
  server: string;
  variable: string;
  secret: string;
  id: string;
  action: 'move' | 'reuse' | 'set-later';
  note?: string;
}

export interface ImportOutcome {
  imported: string[];
  skipped: { name: string; reason: string }[];
  moved: MovedSecret[];
  /** For each imported server, the client file entries it replaces (for `install` to remove them). */
  origins: { server: string; origins: EntryOrigin[] }[];
  /** The full plan as carried out. */
  plan: PlannedServer[];
  /** The config after the import (to start the new servers). */
  config: BrokerConfig | undefined;
}

const KEPT_FIELDS = ['tools', 'enabled', 'prefix', 'callTimeoutMs'] as const;

function keptFields(previous: unknown): Record<string, unknown> {
  if (typeof previous !== 'object' || previous === null) return {};
  const kept: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) {
    const value = (previous as Record<string, unknown>)[field];
    if (value !== undefined) kept[field] = value;
  }
  return kept;
}

async function storeSecrets(
  plan: PlannedServer[],
  values: Map<string, string>,
  store: SecretStore,
  audit: AuditSink | undefined,
): Promise<void> {
  for (const server of plan) {
    for (const secret of server.secrets) {
      if (secret.action !== 'move') continue;
      if ((await store.get(secret.secret)) !== undefined) {
        throw new BrokerError(
          'IMPORT_INVALID',
          `Secret "${secret.secret}" appeared in the keychain while importing; nothing was overwritten. Run the import again.`,
        );
      }
      await store.set(secret.secret, values.get(secret.secret) ?? '');
      audit?.record({ type: 'secret.set', outcome: 'ok', secretName: secret.secret, server: server.name });
    }
  }
}

/** Plans and imports `found` into the config at `configPath`. */
export async function runImport(
  found: FoundServer[],
  options: Omit<PlanOptions, 'secrets'> & { configPath: string; store: SecretStore; audit?: AuditSink },
): Promise<ImportOutcome> {
  const { servers: plan, values } = await planImport(found, { ...options, secrets: options.store });
  const outcome: ImportOutcome = {
    imported: [],
    skipped: [],
    moved: [],
    origins: [],
    plan,
    config: undefined,
  };
  for (const server of plan) {
    if (server.action === 'skip' || server.entry === undefined) {
      if (server.problem !== 'not chosen')
        outcome.skipped.push({ name: server.name, reason: server.problem ?? '' });
      continue;
    }
    outcome.imported.push(server.name);
    outcome.origins.push({ server: server.name, origins: server.origins });
    for (const s of server.secrets) {
      const note = s.note === undefined ? {} : { note: s.note };
      outcome.moved.push({
        server: server.name,
        variable: s.variable,
        secret: s.secret,
        id: s.id,
        action: s.action,
        ...note,
      });
    }
  }
  if (outcome.imported.length === 0) return outcome;
  await storeSecrets(plan, values, options.store, options.audit);
  const chosen = plan.filter((s) => s.action !== 'skip' && s.entry !== undefined);
  if (!chosen.some((s) => s.action === 'update')) {
    outcome.config = addServerEntries(
      options.configPath,
      Object.fromEntries(chosen.map((s) => [s.name, s.entry])),
    );
    return outcome;
  }
  outcome.config = editServers(options.configPath, (servers) => {
    for (const server of chosen)
      servers[server.name] = { ...server.entry, ...keptFields(servers[server.name]) };
  });
  return outcome;
}
