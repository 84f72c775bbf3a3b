import { SECRET_NAME_PATTERN } from '../secrets/secret-store.js';
import type { EntryOrigin } from './client-entry.js';
import type { FoundServer, Platform } from './found-server.js';
import { type SecretPlace, type SecretSpot, secretSpots, type SpotOverrides } from './secret-spots.js';
import { serverEntry } from './server-entry-builder.js';

/**
 * What an import will do, before it does anything: for each server, import (stdio), convert (to a
 * native remote server), update (re-import over an entry of the same name, keeping its `tools`,
 * `enabled` and `prefix`) or skip and why; for each secret, its keychain name, where it came from and
 * why it counts as one — never its value. A keychain name already taken is never overwritten
 * (SEC-8): the same value is reused, a different one gets the next free `<name>-<n>`.
 */

export type SecretAction = 'move' | 'reuse' | 'set-later';

export interface PlannedSecret {
  /** Override handle: `SERVER.VAR`, `SERVER.args[N]`, `SERVER.url`, `SERVER.header.NAME`. */
  id: string;
  place: SecretPlace;
  /** The env variable (stdio) or the name it is known by. */
  variable: string;
  secret: string;
  reason: string;
  /** move: stored now; reuse: the keychain already has this value under `secret`; set-later: the client prompted for it. */
  action: SecretAction;
  /** Set when `secret` is not the usual `<server>-<VAR>`, or for `reuse` / `set-later`. */
  note?: string;
}

export type ServerAction = 'import' | 'convert' | 'update' | 'skip';

export interface PlannedServer {
  name: string;
  action: ServerAction;
  kind: 'stdio' | 'remote';
  /** The command line (stdio) or URL (remote), secrets shown as `${VAR}`. */
  command: string;
  origins: EntryOrigin[];
  secrets: PlannedSecret[];
  notes: string[];
  enabled: boolean;
  /** The broker config entry that will be written (secret references only). */
  entry?: Record<string, unknown>;
  /** Why it is skipped. */
  problem?: string;
}

export interface PlanOptions {
  /** Servers already in the broker config. */
  existing: ReadonlySet<string>;
  /** Reads a stored secret (undefined when absent); `list` gives the taken names. */
  secrets: { list(): Promise<string[]>; get(name: string): Promise<string | undefined> };
  overrides?: Partial<SpotOverrides>;
  /** Replace servers that already exist, keeping their broker fields. */
  update?: boolean;
  /** Import only these servers (names as planned). */
  only?: ReadonlySet<string>;
  skip?: ReadonlySet<string>;
  platform?: Platform;
}

/** A plan, with the values to store (kept apart so the plan itself can be shown). */
export interface ImportPlanWithValues {
  servers: PlannedServer[];
  /** Keychain name → value for every `move` secret. */
  values: Map<string, string>;
}

/** Longest secret name ({@link SECRET_NAME_PATTERN}). */
export const SECRET_NAME_MAX_LENGTH = 128;

export function secretNameFor(server: string, variable: string): string {
  const name = `${server}-${variable}`.slice(0, SECRET_NAME_MAX_LENGTH);
  return SECRET_NAME_PATTERN.test(name) ? name : `${server}-secret`;
}

function candidate(base: string, n: number): string {
  if (n === 1) return base;
  const suffix = `-${String(n)}`;
  return `${base.slice(0, SECRET_NAME_MAX_LENGTH - suffix.length)}${suffix}`;
}

function skipReason(server: FoundServer, spots: SecretSpot[], options: PlanOptions): string | undefined {
  if (server.problem !== undefined) return server.problem;
  if (
    options.skip?.has(server.name) === true ||
    (options.only !== undefined && !options.only.has(server.name))
  ) {
    return 'not chosen';
  }
  if (options.existing.has(server.name) && options.update !== true) {
    return `a server named "${server.name}" is already configured (--update replaces it, keeping its tools, enabled and prefix)`;
  }
  const inUrl = spots.find((s) => s.place === 'url');
  if (inUrl !== undefined) {
    return `its URL holds a secret (${inUrl.reason}), and broker remote entries cannot take a secret inside the URL yet; use the server's header or OAuth sign-in instead, or --no-secret ${inUrl.id} to keep the URL as it is`;
  }
  if (spots.filter((s) => s.place === 'header').length > 1) {
    return `it sends ${String(spots.filter((s) => s.place === 'header').length)} secret headers; a broker remote entry carries one (auth)`;
  }
  if ((options.platform ?? process.platform) === 'win32' && spots.some((s) => s.place === 'arg')) {
    return 'a secret sits in its arguments, which the broker can pass through /bin/sh only on macOS and Linux';
  }
  return undefined;
}

/** Picks keychain names for `spots` (SEC-8: never an existing name with another value). */
async function nameSecrets(
  server: FoundServer,
  spots: SecretSpot[],
  taken: Set<string>,
  options: PlanOptions,
  values: Map<string, string>,
): Promise<PlannedSecret[]> {
  const planned: PlannedSecret[] = [];
  for (const spot of spots) {
    const wanted = secretNameFor(server.name, spot.variable);
    const base = {
      id: spot.id,
      place: spot.place,
      variable: spot.place === 'env' ? spot.key : spot.variable,
      reason: spot.reason,
    };
    if (spot.reference === true) {
      planned.push({
        ...base,
        secret: wanted,
        action: 'set-later',
        note: `set it with: mcp-auth-broker secret set ${wanted}`,
      });
      continue;
    }
    for (let n = 1; ; n++) {
      const name = candidate(wanted, n);
      if (taken.has(name) && values.has(name)) continue; // given to another value of this plan
      if (taken.has(name)) {
        if ((await options.secrets.get(name)) !== spot.value) continue;
        planned.push({ ...base, secret: name, action: 'reuse', note: `"${name}" already holds this value` });
        break;
      }
      taken.add(name);
      values.set(name, spot.value);
      planned.push({
        ...base,
        secret: name,
        action: 'move',
        ...(n > 1 ? { note: `"${wanted}" is already used` } : {}),
      });
      break;
    }
  }
  return planned;
}

/** The plan for importing `found`; nothing is stored or written. */
export async function planImport(found: FoundServer[], options: PlanOptions): Promise<ImportPlanWithValues> {
  const overrides: SpotOverrides = {
    noSecret: options.overrides?.noSecret ?? new Set(),
    secret: options.overrides?.secret ?? new Set(),
  };
  const taken = new Set(await options.secrets.list());
  const values = new Map<string, string>();
  const servers: PlannedServer[] = [];
  for (const server of found) {
    const spots = secretSpots(server, overrides);
    const problem = skipReason(server, spots, options);
    const secrets = problem === undefined ? await nameSecrets(server, spots, taken, options, values) : [];
    const built = serverEntry(
      server,
      spots,
      secrets.map((s) => s.secret),
    );
    const action: ServerAction =
      problem !== undefined
        ? 'skip'
        : options.existing.has(server.name)
          ? 'update'
          : server.kind === 'remote'
            ? 'convert'
            : 'import';
    servers.push({
      name: server.name,
      action,
      kind: server.kind,
      command: built.display,
      origins: server.origins,
      secrets,
      notes: [...server.notes, ...built.notes],
      enabled: server.enabled,
      ...(problem === undefined ? { entry: built.entry } : { problem }),
    });
  }
  return { servers, values };
}
