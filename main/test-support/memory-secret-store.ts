import type { SecretStore } from '../broker/secrets/secret-store.js';

/** An in-memory SecretStore for tests whose subject is not the store itself. */
export function memorySecretStore(initial: Record<string, string> = {}): SecretStore & {
  values: Map<string, string>;
} {
  const values = new Map(Object.entries(initial));
  return {
    values,
    description: 'memory',
    get: (name) => Promise.resolve(values.get(name)),
    set: (name, value) => Promise.resolve(void values.set(name, value)),
    delete: (name) => Promise.resolve(values.delete(name)),
    list: () => Promise.resolve([...values.keys()].sort()),
  };
}
