import { baseUrl, type ProviderPreset, STANDARD_QUIRKS } from './preset-types.js';

/**
 * Microsoft Entra ID (v2.0 endpoints). Quirks:
 * - The tenant is part of every URL (`tenant`: an id, a domain, `organizations` or `common`; default
 *   `organizations`); national clouds use another `authority`.
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols#endpoints
 * - The v2.0 endpoints reject the RFC 8707 `resource` parameter (AADSTS901002); the resource is named
 *   by the scope instead: `api://<app-id>/.default` or `https://graph.microsoft.com/.default`.
 *   https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc#the-default-scope
 * - `offline_access` must be asked for to get a refresh token.
 * - Device flow at `/oauth2/v2.0/devicecode`.
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 * - No RFC 7009 revocation endpoint (sessions are revoked through Microsoft Graph), so sign-out
 *   deletes the local copies only. Refresh tokens rotate on use.
 */
export const entraPreset: ProviderPreset = {
  name: 'entra',
  defaultScopes: ['openid', 'offline_access', 'https://graph.microsoft.com/.default'],
  quirks: { ...STANDARD_QUIRKS, sendResource: false },
  metadata(config) {
    const tenant = encodeURIComponent(config.tenant ?? 'organizations');
    const base = `${baseUrl(config, 'https://login.microsoftonline.com')}/${tenant}`;
    return {
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      code_challenge_methods_supported: ['S256'],
    };
  },
};
