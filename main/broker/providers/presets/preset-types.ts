import type { ServerMetadata } from 'openid-client';

import type { PresetName, ProviderConfig } from '../provider-config.js';

/**
 * How a provider bends the standard OAuth flows. Generic (discovered) providers get
 * `STANDARD_QUIRKS`; each preset documents its deviations with the provider's doc reference.
 */
export interface ProviderQuirks {
  /** Send RFC 8707 `resource` on authorization and token requests (CL-5). */
  sendResource: boolean;
  /** The token endpoint answers OAuth errors with HTTP 200 (turned into 400 before parsing). */
  errorsWithStatus200: boolean;
  /** Token responses list scopes comma-separated instead of space-separated (RFC 6749 §3.3). */
  commaSeparatedScope: boolean;
  /** Extra authorization request parameters (e.g. to get a refresh token at all). */
  authorizationParams: Readonly<Record<string, string>>;
  /** When set, the only scopes the device flow accepts; others are refused before asking. */
  deviceScopes?: readonly string[];
}

export const STANDARD_QUIRKS: ProviderQuirks = {
  sendResource: true,
  errorsWithStatus200: false,
  commaSeparatedScope: false,
  authorizationParams: {},
};

export interface ProviderPreset {
  name: PresetName;
  defaultScopes: readonly string[];
  quirks: ProviderQuirks;
  /** Endpoints, built from the provider config (tenant, authority). */
  metadata(config: ProviderConfig): ServerMetadata;
}

/** `authority` without a trailing slash, or the provider's public default. */
export function baseUrl(config: ProviderConfig, fallback: string): string {
  return (config.authority ?? fallback).replace(/\/+$/, '');
}
