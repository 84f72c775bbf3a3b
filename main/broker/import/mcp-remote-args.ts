import type { ClientEntry } from './client-entry.js';

/**
 * Remote MCP servers as clients describe them, turned into what a broker `"url"` entry needs:
 * a `url` / `type: "http" | "sse" | "streamable-http"` entry, or a stdio entry that runs the
 * `mcp-remote` bridge (`npx -y mcp-remote URL …`, `pnpm dlx mcp-remote …`, bare `mcp-remote …`)
 * with its flags `--header "Name: value"` (`${VAR}` from the entry's env), `--resource`,
 * `--static-oauth-client-info`, `--transport`, `--allow-http`.
 */

export type RemoteTransport = 'streamable-http' | 'sse' | 'websocket';

export interface RemoteSpec {
  url: string;
  transport: RemoteTransport;
  /** Headers after `${VAR}` expansion; a value still holding `${…}` needs the person to fill it in. */
  headers: Record<string, string>;
  /** `client_id` of `--static-oauth-client-info`. */
  clientId?: string;
  notes: string[];
}

const RUNNER_WORDS = /^(npx|npx\.cmd|pnpx|bunx|dlx|pnpm|pnpm\.cmd|yarn|-y|--yes|--quiet|-q|--package=.*)$/;
const MCP_REMOTE = /(^|[\\/])mcp-remote(@[\w.^~-]+)?(\.cmd)?$/;

/** The arguments after `mcp-remote` when the entry runs the bridge, else undefined. */
export function mcpRemoteArgs(command: string, args: string[]): string[] | undefined {
  const words = [command, ...args];
  const at = words.findIndex((w) => MCP_REMOTE.test(w));
  if (at < 0) return undefined;
  const runner = words.slice(0, at).map((w) => w.split(/[\\/]/).pop() ?? w);
  return runner.every((w) => RUNNER_WORDS.test(w)) ? words.slice(at + 1) : undefined;
}

/** `${VAR}` (and `$VAR`) from `env`; unknown variables are left as written. */
export function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, a?: string, b?: string) => {
      const name = a ?? b ?? '';
      return env[name] ?? whole;
    },
  );
}

function transportOf(flag: string | undefined, notes: string[]): RemoteTransport {
  if (flag === undefined || flag === 'http-first' || flag === 'http-only') {
    if (flag === 'http-first')
      notes.push('mcp-remote --transport http-first: the broker uses streamable HTTP');
    return 'streamable-http';
  }
  if (flag === 'sse-only' || flag === 'sse-first') return 'sse';
  notes.push(`mcp-remote --transport ${flag} is unknown: streamable HTTP is used`);
  return 'streamable-http';
}

function staticClient(spec: RemoteSpec, text: string): void {
  if (text.startsWith('@')) {
    spec.notes.push(
      `--static-oauth-client-info ${text}: the client file is not read; set "clientId" by hand`,
    );
    return;
  }
  try {
    const info = JSON.parse(text) as unknown;
    if (typeof info !== 'object' || info === null) throw new Error('not an object');
    const { client_id: id, client_secret: secret } = info as Record<string, unknown>;
    if (typeof id === 'string') spec.clientId = id;
    if (typeof secret === 'string' && secret !== '') {
      spec.notes.push(
        'the client_secret of --static-oauth-client-info is not carried over (nor written anywhere): the broker signs in with PKCE',
      );
    }
  } catch {
    spec.notes.push('--static-oauth-client-info is not JSON: ignored');
  }
}

const VALUE_FLAGS = new Set([
  '--header',
  '--resource',
  '--static-oauth-client-info',
  '--static-oauth-client-metadata',
  '--transport',
  '--host',
  '--auth-timeout',
  '--ignore-tool',
]);

/** Splits `--flag value` / `--flag=value` pairs; the first other word is the URL. */
function flagsOf(words: string[]): { url?: string; flags: [string, string | undefined][] } {
  const flags: [string, string | undefined][] = [];
  let url: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const eq = word.indexOf('=');
    if (word.startsWith('--') && eq > 0) flags.push([word.slice(0, eq), word.slice(eq + 1)]);
    else if (VALUE_FLAGS.has(word)) flags.push([word, words[++i]]);
    else if (word.startsWith('-')) flags.push([word, undefined]);
    else if (url === undefined) url = word;
    else if (!/^\d+$/.test(word)) flags.push([word, undefined]); // a callback port is dropped
  }
  return url === undefined ? { flags } : { url, flags };
}

/** The remote server an `mcp-remote` invocation reaches; undefined when it names no URL. */
export function specFromMcpRemote(words: string[], env: Record<string, string>): RemoteSpec | undefined {
  const { url, flags } = flagsOf(words);
  if (url === undefined) return undefined;
  const spec: RemoteSpec = {
    url,
    transport: 'streamable-http',
    headers: {},
    notes: ['converted from mcp-remote'],
  };
  let transport: string | undefined;
  for (const [flag, value = ''] of flags) {
    if (flag === '--header') {
      const colon = value.indexOf(':');
      if (colon > 0)
        spec.headers[value.slice(0, colon).trim()] = expandEnv(value.slice(colon + 1).trim(), env);
    } else if (flag === '--transport') transport = value;
    else if (flag === '--static-oauth-client-info') staticClient(spec, value);
    else if (flag === '--resource' && value !== url) {
      spec.notes.push(`--resource ${value}: the broker asks for the server URL as the resource (RFC 8707)`);
    } else if (flag === '--allow-http') spec.notes.push('plain http:// allowed (mcp-remote --allow-http)');
    else if (
      !['--debug', '--silent', '--host', '--auth-timeout', '--enable-proxy', '--resource'].includes(flag)
    ) {
      spec.notes.push(`mcp-remote ${flag} is not carried over`);
    }
  }
  spec.transport = transportOf(transport, spec.notes);
  return spec;
}

/** The remote server of a `url` entry (`type` says the transport; Gemini's `url` means SSE). */
export function specFromUrlEntry(entry: ClientEntry & { url: string }): RemoteSpec {
  const type = entry.type?.toLowerCase();
  let transport: RemoteTransport = 'streamable-http';
  if (/^wss?:/i.test(entry.url)) transport = 'websocket';
  else if (type === 'sse' || (type === undefined && entry.origin.client === 'gemini')) transport = 'sse';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.headers)) headers[name] = expandEnv(value, entry.env);
  return { url: entry.url, transport, headers, notes: [] };
}
