import type { StdioServerConfig, ToolFilter } from '../config/config-schema.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import { exposedPrefix } from '../config/server-prefix.js';
import { accountsOfServer } from '../providers/provider-env.js';

/**
 * What the broker decides about one upstream, whatever its kind: whether it runs, which of its tools
 * are exposed, how long a call may take, and which credentials it references (so a changed secret
 * or a refreshed provider account restarts exactly the servers that use it). The transport details
 * live in the upstream's connector.
 */
export interface UpstreamPolicy {
  enabled: boolean;
  /** What its tool and prompt names are exposed under: `<server>__` by default, '' for none. */
  prefix: string;
  /** The config's `tools` filter (upstream names, exact). */
  tools?: ToolFilter | undefined;
  /** Per-server call timeout (ms); the gateway's default when undefined. */
  callTimeoutMs?: number | undefined;
  /** Keychain secret names the server's credentials reference (sorted, no duplicates). */
  secretNames: readonly string[];
  /** Provider account ids whose tokens reach the server through its env (`github`, `github:work`). */
  accounts: readonly string[];
}

/** The policy of a stdio server: secrets and provider accounts from its env references. */
export function stdioPolicy(name: string, config: StdioServerConfig): UpstreamPolicy {
  const secretNames = new Set<string>();
  for (const value of Object.values(config.env)) {
    if (typeof value !== 'string' && 'secret' in value) secretNames.add(value.secret);
  }
  return {
    enabled: config.enabled,
    prefix: exposedPrefix(name, config.prefix),
    ...(config.tools === undefined ? {} : { tools: config.tools }),
    ...(config.callTimeoutMs === undefined ? {} : { callTimeoutMs: config.callTimeoutMs }),
    secretNames: [...secretNames].sort(),
    accounts: accountsOfServer(config),
  };
}

/**
 * The policy of a remote server: a static header's secret is its only keychain reference; its
 * provider or OAuth tokens are fetched per request by its connector, so no account is listed here.
 */
export function remotePolicy(name: string, config: RemoteServerConfig): UpstreamPolicy {
  const auth = config.auth;
  const secretNames = typeof auth === 'object' && 'header' in auth ? [auth.secret] : [];
  return {
    enabled: config.enabled,
    prefix: exposedPrefix(name, config.prefix),
    ...(config.tools === undefined ? {} : { tools: config.tools }),
    ...(config.callTimeoutMs === undefined ? {} : { callTimeoutMs: config.callTimeoutMs }),
    secretNames,
    accounts: [],
  };
}
