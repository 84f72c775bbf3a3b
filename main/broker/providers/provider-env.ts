import type { StdioServerConfig } from '../config/config-schema.js';
import { accountOfRef, type ProviderEnvRef, ProviderEnvRefSchema } from './provider-config.js';

/** True when an env value of a server config references a provider account. */
export function isProviderRef(value: unknown): value is ProviderEnvRef {
  return typeof value === 'object' && value !== null && 'provider' in value;
}

/** Account ids (`github`, `github:work`) a server's env references, sorted, no duplicates. */
export function accountsOfServer(config: StdioServerConfig): string[] {
  const ids = new Set<string>();
  for (const value of Object.values(config.env)) {
    if (isProviderRef(value)) ids.add(accountOfRef(ProviderEnvRefSchema.parse(value)).id);
  }
  return [...ids].sort();
}
