import { baseUrl, type ProviderPreset, STANDARD_QUIRKS } from './preset-types.js';

/**
 * GitHub (github.com, or GitHub Enterprise Server via `authority`). Quirks:
 * - No discovery document: endpoints are fixed.
 *   https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * - The token endpoint answers form-encoded unless the request says `Accept: application/json`, and it
 *   answers OAuth errors (`authorization_pending`, `slow_down`, `bad_verification_code`) with HTTP 200.
 *   Same page, "Device flow" → "Error codes for the device flow".
 * - Scopes come back comma-separated (`"scope": "repo,gist"`).
 * - Expiring user tokens are optional: OAuth apps (and GitHub Apps with expiration off) get a token
 *   with no `expires_in` and no refresh token; GitHub Apps with it on get 8 h access tokens and
 *   6-month rotating refresh tokens.
 *   https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 * - No RFC 7009 endpoint (revoking needs the app's client secret on the REST API), so sign-out deletes
 *   the local copies only. No RFC 8707 `resource` support; it is not sent.
 */
export const githubPreset: ProviderPreset = {
  name: 'github',
  defaultScopes: [],
  quirks: {
    ...STANDARD_QUIRKS,
    sendResource: false,
    errorsWithStatus200: true,
    commaSeparatedScope: true,
  },
  metadata(config) {
    const base = baseUrl(config, 'https://github.com');
    return {
      issuer: base,
      authorization_endpoint: `${base}/login/oauth/authorize`,
      token_endpoint: `${base}/login/oauth/access_token`,
      device_authorization_endpoint: `${base}/login/device/code`,
      code_challenge_methods_supported: ['S256'],
    };
  },
};
