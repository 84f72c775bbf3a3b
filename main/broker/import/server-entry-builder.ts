import type { FoundServer } from './found-server.js';
import type { SecretSpot } from './secret-spots.js';

/**
 * The broker config entry for a found server, holding secret references only. Env values become
 * `{"secret": NAME}`; a secret header becomes `"auth": {"header", "secret", "template"}`. Broker
 * args cannot reference a secret (the config schema has no template for them), so a stdio server
 * with a secret inside its arguments runs through `/bin/sh -c 'exec … "${VAR}"'`, the secret reaching
 * the shell as the env variable VAR; the config and argv of the broker never hold the value.
 */

export interface BuiltEntry {
  entry: Record<string, unknown>;
  /** Command line or URL with every secret shown as `${VAR}`. */
  display: string;
  notes: string[];
}

const shellQuote = (text: string) => (text === '' ? "''" : `'${text.replaceAll("'", `'\\''`)}'`);

/** `text` with its spans replaced: `render(literal)` for text, `ref(i)` for the i-th spot. */
function splice(
  text: string,
  spans: { spot: SecretSpot; i: number }[],
  literal: (t: string) => string,
  ref: (i: number) => string,
) {
  let out = '';
  let at = 0;
  for (const { spot, i } of [...spans].sort((a, b) => a.spot.start - b.spot.start)) {
    out += literal(text.slice(at, spot.start)) + ref(i);
    at = spot.end;
  }
  return out + literal(text.slice(at));
}

function uniqueVariable(wanted: string, env: Record<string, unknown>): string {
  let name = /^[A-Za-z_]/.test(wanted) ? wanted : `SECRET_${wanted}`;
  for (let n = 2; Object.hasOwn(env, name); n++) name = `${wanted}_${String(n)}`;
  return name;
}

function stdioEntry(
  server: FoundServer,
  spots: SecretSpot[],
  secrets: readonly (string | undefined)[],
): BuiltEntry {
  const env: Record<string, unknown> = { ...server.env };
  const variables = spots.map((spot) => spot.variable);
  spots.forEach((spot, i) => {
    const secret = secrets[i];
    if (spot.place === 'env') {
      if (secret !== undefined) env[spot.key] = { secret };
      return;
    }
    variables[i] = uniqueVariable(spot.variable, env);
    env[variables[i] ?? spot.variable] = secret === undefined ? '' : { secret };
  });
  const argSpots = (index: number) =>
    spots.flatMap((spot, i) => (spot.place === 'arg' && spot.key === String(index) ? [{ spot, i }] : []));
  const shown = server.args.map((arg, n) =>
    splice(
      arg,
      argSpots(n),
      (t) => t,
      (i) => `\${${variables[i] ?? ''}}`,
    ),
  );
  const display = [server.command, ...shown].join(' ').trim();
  const notes: string[] = [];
  let command = server.command;
  let args = server.args;
  if (spots.some((s) => s.place === 'arg')) {
    const words = [server.command, ...server.args].map((arg, n) =>
      splice(arg, n === 0 ? [] : argSpots(n - 1), shellQuote, (i) => `"\${${variables[i] ?? ''}}"`),
    );
    command = '/bin/sh';
    args = ['-c', `exec ${words.join(' ')}`, server.name];
    const names = [...new Set(spots.filter((s) => s.place === 'arg').map((s) => s.variable))].join(', ');
    notes.push(
      `runs through /bin/sh so its arguments read the secret from the env (${names}): broker args cannot reference a secret yet`,
    );
  }
  const entry: Record<string, unknown> = { command };
  if (args.length > 0) entry['args'] = args;
  if (Object.keys(env).length > 0) entry['env'] = env;
  if (server.cwd !== undefined) entry['cwd'] = server.cwd;
  if (!server.enabled) entry['enabled'] = false;
  return { entry, display, notes };
}

function remoteEntry(
  server: FoundServer,
  spots: SecretSpot[],
  secrets: readonly (string | undefined)[],
): BuiltEntry {
  const remote = server.remote;
  if (remote === undefined) throw new Error('remoteEntry needs a remote server');
  const urlSpots = spots.flatMap((spot, i) => (spot.place === 'url' ? [{ spot, i }] : []));
  const display = splice(
    remote.url,
    urlSpots,
    (t) => t,
    (i) => `\${${spots[i]?.variable ?? ''}}`,
  );
  const entry: Record<string, unknown> = { url: remote.url };
  if (remote.transport !== 'streamable-http') entry['transport'] = remote.transport;
  const notes: string[] = [];
  const authAt = spots.findIndex((s) => s.place === 'header');
  const auth = spots[authAt];
  const secret = secrets[authAt];
  if (auth !== undefined && secret !== undefined) {
    const value = remote.headers[auth.key] ?? '';
    const template = `${value.slice(0, auth.start)}{secret}${value.slice(auth.end)}`;
    entry['auth'] = { header: auth.key, secret, ...(template === '{secret}' ? {} : { template }) };
  }
  for (const name of Object.keys(remote.headers)) {
    if (name !== auth?.key)
      notes.push(`header ${name} is not carried over (a broker remote entry sends only its auth header)`);
  }
  if (remote.clientId !== undefined) entry['clientId'] = remote.clientId;
  if (!server.enabled) entry['enabled'] = false;
  return { entry, display, notes };
}

/** The entry for `server`; `secrets[i]` is the keychain name of `spots[i]` (empty when skipped). */
export function serverEntry(
  server: FoundServer,
  spots: SecretSpot[],
  secrets: readonly (string | undefined)[],
): BuiltEntry {
  return server.kind === 'remote' ? remoteEntry(server, spots, secrets) : stdioEntry(server, spots, secrets);
}
