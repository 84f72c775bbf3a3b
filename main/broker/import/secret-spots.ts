import type { FoundServer } from './found-server.js';
import {
  isPlainSetting,
  isSecretName,
  looksRandom,
  secretReason,
  tokenFormatOf,
} from './secret-detection.js';

/**
 * Where the secrets of one found server sit: env values, HTTP headers, and spans inside args and
 * URLs (the password of `postgresql://u:pw@host/db`, `--token=…`, `--api-key VALUE`, `?api_key=…`,
 * `-e TOKEN=…`). Each spot has a stable id the person uses to override the detection:
 * `SERVER.VAR` (env), `SERVER.args[N]`, `SERVER.url`, `SERVER.header.NAME`.
 */

export type SecretPlace = 'env' | 'arg' | 'url' | 'header';

export interface SecretSpot {
  id: string;
  place: SecretPlace;
  /** Env variable, arg index, or header name. */
  key: string;
  /** Upper-case name the secret is known by (the env variable it is given to a stdio server in). */
  variable: string;
  /** The secret is `text.slice(start, end)` of the env value / arg / URL / header value. */
  start: number;
  end: number;
  /** Never shown, logged or written anywhere but the keychain. */
  value: string;
  reason: string;
  /** The client filled it in at run time (`${input:id}`, `${env:X}`, `${X}`): no value to move, the person sets it. */
  reference?: boolean;
}

export interface SpotOverrides {
  /** Spot ids to leave as they are (not secrets). */
  noSecret: ReadonlySet<string>;
  /** Ids (`SERVER.VAR`, `SERVER.args[N]`, `SERVER.header.NAME`) whose whole value is a secret. */
  secret: ReadonlySet<string>;
}

type Span = Omit<SecretSpot, 'id' | 'place' | 'key'>;

const REFERENCE = /^\$\{(input:[\w.-]+|env:[A-Za-z_]\w*|[A-Za-z_]\w*)(:-[^}]*)?\}$/;
const upper = (name: string) =>
  name
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase() || 'SECRET';

function span(text: string, start: number, end: number, variable: string, reason: string): Span {
  return { variable, start, end, value: text.slice(start, end), reason };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Secrets inside one URL: userinfo password, credential-named query parameters, token-shaped path segments. */
export function urlSpans(text: string, offset = 0): Span[] {
  const spans: Span[] = [];
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:([^/@\s]+)@/i.exec(text);
  if (userinfo?.[1] !== undefined) {
    const start = userinfo[0].length - 1 - userinfo[1].length;
    spans.push(span(text, start, start + userinfo[1].length, 'PASSWORD', 'the password in a connection URL'));
  }
  for (const m of text.matchAll(/[?&]([^=&#]+)=([^&#]*)/g)) {
    const [whole, name = '', value = ''] = m;
    const reason = secretReason(name, safeDecode(value));
    if (reason === undefined || value === '') continue;
    const start = m.index + whole.length - value.length;
    spans.push(span(text, start, start + value.length, upper(name), `query parameter "${name}": ${reason}`));
  }
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/[^?#]*)/i.exec(text);
  if (path?.[1] !== undefined) {
    let at = path[0].length - path[1].length;
    for (const segment of path[1].split('/')) {
      const format = tokenFormatOf(segment);
      if (format !== undefined || (segment.length >= 32 && looksRandom(segment))) {
        spans.push(
          span(text, at, at + segment.length, 'URL_TOKEN', `a ${format ?? 'random token'} in the URL path`),
        );
      }
      at += segment.length + 1;
    }
  }
  return spans.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset }));
}

/** Secrets inside `args[i]` (and the flag before it). */
function argSpans(args: string[], i: number): Span[] {
  const arg = args[i] ?? '';
  const previous = args[i - 1] ?? '';
  const flagged = /^--?([A-Za-z][\w-]*)$/.exec(previous);
  if (
    flagged?.[1] !== undefined &&
    isSecretName(flagged[1]) &&
    !arg.startsWith('-') &&
    !isPlainSetting(arg)
  ) {
    return [span(arg, 0, arg.length, upper(flagged[1]), `the value of ${previous}`)];
  }
  const assigned = /^(--?[A-Za-z][\w-]*=|[A-Za-z_]\w*=)(.+)$/.exec(arg);
  if (assigned?.[1] !== undefined && assigned[2] !== undefined) {
    const name = assigned[1].replace(/^-+|=$/g, '');
    const reason = secretReason(name, assigned[2]);
    if (reason !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(assigned[2])) {
      return [span(arg, assigned[1].length, arg.length, upper(name), reason)];
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(assigned[2])) return urlSpans(assigned[2], assigned[1].length);
  }
  const header = /^(Authorization|X-Api-Key|Api-Key)\s*:\s*((Bearer|Basic|token)\s+)?(.+)$/i.exec(arg);
  if (header?.[4] !== undefined) {
    return [
      span(
        arg,
        arg.length - header[4].length,
        arg.length,
        upper(header[1] ?? 'AUTH'),
        `a ${header[1] ?? ''} header`,
      ),
    ];
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return urlSpans(arg);
  const format = tokenFormatOf(arg);
  if (format !== undefined || (looksRandom(arg) && !/^[0-9a-f]{40}$/.test(arg))) {
    return [span(arg, 0, arg.length, `ARG_${String(i)}`, format ?? 'a long random value')];
  }
  return [];
}

function wholeValue(name: string, value: string, server: FoundServer, forced: boolean): Span | undefined {
  const ref = REFERENCE.exec(value.trim());
  if (ref?.[1] !== undefined) {
    const input = ref[1].startsWith('input:') ? ref[1].slice(6) : undefined;
    const secret =
      forced || isSecretName(name) || (input !== undefined && server.passwordInputs?.has(input) === true);
    if (!secret) return undefined;
    return {
      ...span(value, 0, value.length, upper(name), `filled in by the client from ${value}`),
      reference: true,
    };
  }
  const reason = forced ? 'marked as a secret' : secretReason(name, value);
  return reason === undefined ? undefined : span(value, 0, value.length, upper(name), reason);
}

/** Header values keep their scheme out of the secret: `Bearer X` → X. */
function headerSpan(name: string, value: string, server: FoundServer, forced: boolean): Span | undefined {
  const scheme = /^((Bearer|Basic|token)\s+)(.+)$/i.exec(value);
  const rest = scheme?.[3] ?? value;
  const offset = value.length - rest.length;
  const isAuth = /^(authorization|x-api-key|api-key|x-auth-token)$/i.test(name);
  const found = wholeValue(name, rest, server, forced || (isAuth && rest !== ''));
  return found && { ...found, start: found.start + offset, end: found.end + offset };
}

/** Every secret spot of `server`, after the person's overrides. */
export function secretSpots(server: FoundServer, overrides: SpotOverrides): SecretSpot[] {
  const spots: SecretSpot[] = [];
  const add = (id: string, place: SecretPlace, key: string, s: Span | undefined) => {
    if (s !== undefined && !overrides.noSecret.has(id)) spots.push({ ...s, id, place, key });
  };
  const forced = (id: string) => overrides.secret.has(id);
  if (server.remote !== undefined) {
    for (const [name, value] of Object.entries(server.remote.headers)) {
      const id = `${server.name}.header.${name}`;
      add(id, 'header', name, headerSpan(name, value, server, forced(id)));
    }
    for (const s of urlSpans(server.remote.url)) add(`${server.name}.url`, 'url', 'url', s);
    return spots;
  }
  for (const [name, value] of Object.entries(server.env)) {
    add(
      `${server.name}.${name}`,
      'env',
      name,
      wholeValue(name, value, server, forced(`${server.name}.${name}`)),
    );
  }
  server.args.forEach((arg, i) => {
    const id = `${server.name}.args[${String(i)}]`;
    const spans = forced(id)
      ? [span(arg, 0, arg.length, `ARG_${String(i)}`, 'marked as a secret')]
      : argSpans(server.args, i);
    for (const s of spans) add(id, 'arg', String(i), s);
  });
  return spots;
}
