import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';

import type { ConnectTarget } from '../../contract/window-api.js';
import { writeFileAtomic } from '../base/atomic-file.js';
import { BrokerError } from '../base/errors.js';
import type { ClientBackups } from './client-backups.js';
import { editServers, readServers } from './client-file-edit.js';
import { type BrokerVia, CLIENT_TARGETS, clientTarget } from './client-targets.js';
import type { BrokerEndpoints, ConnectEnv } from './connect-env.js';
import { importedFrom } from './import-provenance.js';

/**
 * Installing the broker into an MCP client's config file and taking it out again: one `broker`
 * entry replaces the entries that now live in the broker (so no plaintext token stays in the
 * client's file), with a sealed backup per install that `uninstall` restores exactly.
 */

/** The name of the entry the broker owns in a client's config. */
export const BROKER_ENTRY = 'broker';

export interface ClientSetupDeps {
  env: ConnectEnv;
  endpoints: BrokerEndpoints;
  backups: ClientBackups;
  dataDir: string;
  /** Names of the servers in the broker's config now. */
  brokerServers: () => ReadonlySet<string>;
}

export interface InstallRequest {
  client: ConnectTarget;
  via?: BrokerVia;
  /** Remove the client's entries that were imported into the broker; default: when there are any. */
  removeImported?: boolean;
}

export interface InstallOutcome {
  path: string;
  via: BrokerVia;
  backup?: string;
  /** Entries taken out of the client's file (they live in the broker now). */
  removed: string[];
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function readText(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** The client's entries that moved into the broker: imported from this file and still there. */
export function movedEntries(deps: ClientSetupDeps, client: ConnectTarget, path: string): string[] {
  const target = clientTarget(client);
  const current = readServers(readText(path)?.toString('utf8'), target, path);
  const broker = deps.brokerServers();
  return Object.entries(importedFrom(deps.dataDir, path))
    .filter(([source, name]) => source !== BROKER_ENTRY && source in current && broker.has(name))
    .map(([source]) => source);
}

export async function installClient(deps: ClientSetupDeps, request: InstallRequest): Promise<InstallOutcome> {
  const target = clientTarget(request.client);
  const via = request.via ?? target.via;
  if (!target.accepts.includes(via))
    throw new BrokerError(
      'USAGE',
      `${target.label} takes the broker only as a ${target.accepts.join(' or ')} entry.`,
    );
  const path = target.path(deps.env);
  const before = readText(path);
  const text = before?.toString('utf8');
  const moved = movedEntries(deps, request.client, path);
  const removed = request.removeImported === false ? [] : moved;
  const next = editServers(text, target, path, {
    set: { [BROKER_ENTRY]: target.entry(via, deps.endpoints) },
    remove: removed,
  });
  const mode = before === undefined ? 0o600 : statSync(path).mode & 0o777;
  // Installed again over our own unchanged install: the backup keeps the file from before the first.
  const previous = await deps.backups.latest(request.client);
  const chained =
    previous && before && sha256(before) === previous.record.written ? previous.record : undefined;
  const original = chained ? chained.original : before?.toString('base64');
  const backup = await deps.backups.save({
    client: request.client,
    ...{ path, existed: chained ? chained.existed : before !== undefined, mode: chained?.mode ?? mode },
    ...{ written: sha256(next), removed: [...new Set([...(chained?.removed ?? []), ...removed])] },
    ...(original === undefined ? {} : { original }),
  });
  writeFileAtomic(path, next, mode);
  return { path, via, backup, removed };
}

export interface UninstallOutcome {
  path: string;
  /** `exact`: the file is back byte for byte; `merged`: the client changed it since, so only the
   * broker entry was taken out and the removed entries put back; `entry`: no backup, entry removed. */
  restored: 'exact' | 'merged' | 'entry';
  /** Entries put back into the file. */
  returned: string[];
}

export async function uninstallClient(
  deps: ClientSetupDeps,
  client: ConnectTarget,
): Promise<UninstallOutcome> {
  const target = clientTarget(client);
  const path = target.path(deps.env);
  const current = readText(path);
  const latest = await deps.backups.latest(client);
  if (!latest) {
    if (!current || !(BROKER_ENTRY in readServers(current.toString('utf8'), target, path)))
      throw new BrokerError('BACKUP_NOT_FOUND', `The broker is not installed in ${target.label} (${path}).`);
    writeFileAtomic(
      path,
      editServers(current.toString('utf8'), target, path, { remove: [BROKER_ENTRY] }),
      statSync(path).mode & 0o777,
    );
    return { path, restored: 'entry', returned: [] };
  }
  const { record, file } = latest;
  const original = record.original === undefined ? undefined : Buffer.from(record.original, 'base64');
  if (current !== undefined && sha256(current) === record.written) {
    if (original === undefined) rmSync(path, { force: true });
    else writeFileAtomic(path, original, record.mode);
    deps.backups.discard(file);
    return { path, restored: 'exact', returned: record.removed };
  }
  // The client rewrote its file since the install: keep its changes, undo only ours.
  const back = readServers(original?.toString('utf8'), target, path);
  const set = Object.fromEntries(record.removed.filter((n) => n in back).map((n) => [n, back[n]]));
  const text = current?.toString('utf8');
  const present = readServers(text, target, path);
  const next = editServers(text, target, path, {
    set: Object.fromEntries(Object.entries(set).filter(([n]) => !(n in present))),
    remove: BROKER_ENTRY in present ? [BROKER_ENTRY] : [],
  });
  writeFileAtomic(path, next, current === undefined ? record.mode : statSync(path).mode & 0o777);
  deps.backups.discard(file);
  return { path, restored: 'merged', returned: Object.keys(set) };
}

export interface ClientState {
  id: ConnectTarget;
  label: string;
  path: string;
  exists: boolean;
  installed: boolean;
  via: BrokerVia;
  accepts: BrokerVia[];
  snippet: string;
  /** Entries of this client that live in the broker now (removed at install by default). */
  moved: string[];
  /** Why the file could not be read, when it could not. */
  problem?: string;
}

/** Every client the broker can install into, with its file's state. */
export function clientStates(deps: ClientSetupDeps): ClientState[] {
  return CLIENT_TARGETS.map((target) => {
    const path = target.path(deps.env);
    const entry = { [BROKER_ENTRY]: target.entry(target.via, deps.endpoints) };
    const base = {
      ...{ id: target.id, label: target.label, path, exists: existsSync(path), via: target.via },
      ...{ accepts: [...target.accepts], snippet: snippetFor(target.format, target.serversKey, entry) },
    };
    try {
      const installed = BROKER_ENTRY in readServers(readText(path)?.toString('utf8'), target, path);
      return { ...base, installed, moved: movedEntries(deps, target.id, path) };
    } catch (error) {
      return {
        ...base,
        installed: false,
        moved: [],
        problem: error instanceof Error ? error.message : String(error),
      };
    }
  });
}

/** What to paste by hand: the server map with the broker entry, in the client's format. */
function snippetFor(
  format: 'json' | 'toml',
  key: readonly string[],
  servers: Record<string, unknown>,
): string {
  return format === 'toml'
    ? editServers(undefined, { format, serversKey: key }, 'snippet', { set: servers }).trimEnd()
    : JSON.stringify(
        key.reduceRight<unknown>((inner, k) => ({ [k]: inner }), servers),
        null,
        2,
      );
}
