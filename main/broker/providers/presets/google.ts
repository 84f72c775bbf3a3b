import { baseUrl, type ProviderPreset, STANDARD_QUIRKS } from './preset-types.js';

/**
 * Google. Quirks:
 * - Fixed endpoints (Google's discovery document does not list the device endpoint).
 *   https://developers.google.com/identity/protocols/oauth2/limited-input-device
 * - The device flow only allows a short list of scopes (openid, email, profile, drive.appdata,
 *   drive.file, youtube, youtube.readonly); anything else fails with `invalid_scope`, so it is refused
 *   before asking. Same page, "Allowed scopes".
 * - A refresh token is issued in the browser flow only with `access_type=offline`, and again after the
 *   first consent only with `prompt=consent`.
 *   https://developers.google.com/identity/protocols/oauth2/native-app#step-2:-send-a-request-to-googles-oauth-2.0-server
 * - Desktop and TV clients have a client secret that is not confidential but still required: store it
 *   with `secret set` and reference it as `clientSecret`.
 * - Revocation at https://oauth2.googleapis.com/revoke (RFC 7009 shape, `token` parameter).
 * - RFC 8707 `resource` is not part of Google's protocol; it is not sent.
 */
export const googlePreset: ProviderPreset = {
  name: 'google',
  defaultScopes: ['openid', 'email'],
  quirks: {
    ...STANDARD_QUIRKS,
    sendResource: false,
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    deviceScopes: [
      'openid',
      'email',
      'profile',
      'https://www.googleapis.com/auth/userinfo.email',
      'https://www.googleapis.com/auth/userinfo.profile',
      'https://www.googleapis.com/auth/drive.appdata',
      'https://www.googleapis.com/auth/drive.file',
      'https://www.googleapis.com/auth/youtube',
      'https://www.googleapis.com/auth/youtube.readonly',
    ],
  },
  metadata(config) {
    const accounts = baseUrl(config, 'https://accounts.google.com');
    const api = baseUrl(config, 'https://oauth2.googleapis.com');
    return {
      issuer: 'https://accounts.google.com',
      authorization_endpoint: `${accounts}/o/oauth2/v2/auth`,
      token_endpoint: `${api}/token`,
      device_authorization_endpoint: `${api}/device/code`,
      revocation_endpoint: `${api}/revoke`,
      code_challenge_methods_supported: ['S256'],
    };
  },
};
