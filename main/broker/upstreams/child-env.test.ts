import { afterEach, describe, expect, it } from 'vitest';

import { isBrokerError } from '../base/errors.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { resolveServerEnv } from './child-env.js';

function memoryStore(values: Record<string, string>, failure?: Error): SecretStore {
  return {
    description: 'test store',
    get: (name) => (failure ? Promise.reject(failure) : Promise.resolve(values[name])),
    set: () => Promise.resolve(),
    delete: () => Promise.resolve(false),
    list: () => Promise.resolve(Object.keys(values).sort()),
  };
}

const server = (env: Record<string, unknown>) => StdioServerSchema.parse({ command: 'node', env });

describe('resolveServerEnv', () => {
  afterEach(() => {
    delete process.env['MAB_TEST_BROKER_ONLY'];
  });

  it('passes the basics, literal values and secrets, never the rest of the broker env', async () => {
    process.env['MAB_TEST_BROKER_ONLY'] = 'should-not-leak';
    const redactor = new SecretRedactor();
    const { env, secretNames } = await resolveServerEnv(
      server({ MODE: 'fast', TOKEN: { secret: 'gh-token' }, OTHER: { secret: 'gh-token' } }),
      memoryStore({ 'gh-token': 'ghp_canary_value_123' }),
      redactor,
      'github',
    );
    expect(env['MODE']).toBe('fast');
    expect(env['TOKEN']).toBe('ghp_canary_value_123');
    expect(env['PATH']).toBe(process.env['PATH']);
    expect(env['MAB_TEST_BROKER_ONLY']).toBeUndefined();
    expect(secretNames).toEqual(['gh-token']);
    expect(redactor.redact('x ghp_canary_value_123 y')).toBe('x [REDACTED] y');
  });

  it('fails with the fix command when a required secret is missing', async () => {
    const error: unknown = await resolveServerEnv(
      server({ TOKEN: { secret: 'missing-one' } }),
      memoryStore({}),
      new SecretRedactor(),
      'github',
    ).catch((e: unknown) => e);
    expect(isBrokerError(error, 'SECRET_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe(
      'Server "github" needs secret "missing-one", which is not in the keychain. Run: mcp-auth-broker secret set missing-one',
    );
  });

  it('leaves an optional missing secret out', async () => {
    const { env, secretNames } = await resolveServerEnv(
      server({ TOKEN: { secret: 'absent', optional: true } }),
      memoryStore({}),
      new SecretRedactor(),
      'demo',
    );
    expect('TOKEN' in env).toBe(false);
    expect(secretNames).toEqual([]);
  });

  it('reports an unreadable store as SECRET_STORE_UNAVAILABLE, naming server and secret', async () => {
    const error: unknown = await resolveServerEnv(
      server({ TOKEN: { secret: 'gh-token' } }),
      memoryStore({}, new Error('dbus not running')),
      new SecretRedactor(),
      'github',
    ).catch((e: unknown) => e);
    expect(isBrokerError(error, 'SECRET_STORE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('"github" needs secret "gh-token"');
    expect((error as Error).message).toContain('dbus not running');
  });
});
