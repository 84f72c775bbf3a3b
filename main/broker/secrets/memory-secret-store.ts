import type { SecretStore } from './secret-store.js';

/**
 * A SecretStore that lives only as long as the process: for throwaway sessions such as
 * `doctor --login`, which must leave nothing behind, and for tests whose subject is not the store.
 */
export class MemorySecretStore implements SecretStore {
  readonly values: Map<string, string>;

  constructor(
    initial: Record<string, string> = {},
    readonly description = 'memory (not persisted)',
  ) {
    this.values = new Map(Object.entries(initial));
  }

  get(name: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(name));
  }

  set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
    return Promise.resolve();
  }

  delete(name: string): Promise<boolean> {
    return Promise.resolve(this.values.delete(name));
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.values.keys()].sort());
  }
}
