import { describe, expect, it } from 'vitest';

import { tokenEndpointAuthMethod } from './remote-authorizations.js';

// Regression for the conformance scenario auth/token-endpoint-auth-basic: an AS that registered the
// broker with a client secret but accepts only client_secret_basic got client_secret_post.
describe('token endpoint authentication of the broker at a remote server’s AS (RFC 8414 §2)', () => {
  it('CL-4 a public client (no secret) authenticates with none, whatever the AS lists', () => {
    const metadata = { token_endpoint_auth_methods_supported: ['client_secret_basic'] };
    expect(tokenEndpointAuthMethod(undefined, metadata)).toBe('none');
  });

  it('CL-4 uses client_secret_basic when the AS does not list client_secret_post', () => {
    const metadata = { token_endpoint_auth_methods_supported: ['client_secret_basic'] };
    expect(tokenEndpointAuthMethod('s3cret', metadata)).toBe('client_secret_basic');
  });

  it('CL-4 uses client_secret_basic, the RFC 8414 default, when the AS lists no methods', () => {
    expect(tokenEndpointAuthMethod('s3cret', {})).toBe('client_secret_basic');
  });

  it('CL-4 keeps client_secret_post when the AS lists it', () => {
    const metadata = { token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'] };
    expect(tokenEndpointAuthMethod('s3cret', metadata)).toBe('client_secret_post');
  });
});
