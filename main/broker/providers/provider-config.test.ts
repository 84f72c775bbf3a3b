import { describe, expect, it } from 'vitest';

import { isBrokerError } from '../base/errors.js';
import { ConfigSchema } from '../config/config-schema.js';
import { accountOfRef, applyTemplate, parseAccountId, tokenSecretName } from './provider-config.js';
import { accountsOfServer } from './provider-env.js';

describe('provider config and account ids', () => {
  it('accepts presets, discovered issuers and provider env references', () => {
    const config = ConfigSchema.parse({
      providers: {
        github: { preset: 'github', clientId: 'Iv1.x' },
        corp: { issuer: 'https://id.corp.example', clientId: 'c', scopes: ['openid', 'offline_access'] },
        google: { preset: 'google', clientId: 'g', clientSecret: { secret: 'google-secret' } },
      },
      servers: {
        gh: {
          command: 'x',
          env: {
            A: { provider: 'github:work' },
            B: { provider: 'github', account: 'work', template: 'Bearer {access_token}' },
            C: { provider: 'corp' },
          },
        },
      },
    });
    expect(Object.keys(config.providers)).toEqual(['github', 'corp', 'google']);
    expect(
      accountsOfServer(config.servers['gh'] ?? { command: 'x', args: [], env: {}, enabled: true }),
    ).toEqual(['corp', 'github:work']);
  });

  it('refuses an inline client secret, both preset and issuer, and a template without the token', () => {
    const issues = (input: unknown) => {
      const result = ConfigSchema.safeParse(input);
      return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
    };
    expect(
      issues({ providers: { a: { preset: 'github', clientId: 'x', clientSecret: 'inline' } } }),
    ).toContain('providers.a.clientSecret');
    expect(
      issues({ providers: { a: { preset: 'github', issuer: 'https://x.example', clientId: 'x' } } }),
    ).toEqual(['providers.a']);
    expect(
      issues({ servers: { s: { command: 'x', env: { T: { provider: 'a', template: 'Bearer' } } } } }),
    ).toEqual(['servers.s.env.T.template']);
  });

  it('parses account ids, names their keychain items, and applies templates', () => {
    expect(parseAccountId('github')).toEqual({ provider: 'github', label: undefined, id: 'github' });
    expect(parseAccountId('github:work').id).toBe('github:work');
    expect(tokenSecretName(parseAccountId('github'))).toBe('provider:github:default');
    expect(tokenSecretName(accountOfRef({ provider: 'github', account: 'work' }))).toBe(
      'provider:github:work',
    );
    expect(applyTemplate({ provider: 'a', template: 'Bearer {access_token}' }, 'tok')).toBe('Bearer tok');
    for (const bad of ['', 'GitHub', 'a:b:c', 'a:', 'a b']) {
      expect(
        isBrokerError(
          (() => {
            try {
              parseAccountId(bad);
            } catch (e) {
              return e;
            }
          })(),
          'USAGE',
        ),
      ).toBe(true);
    }
  });
});
