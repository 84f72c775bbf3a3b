import { MemorySecretStore } from '../broker/secrets/memory-secret-store.js';

export { MemorySecretStore };

/** An in-memory SecretStore for tests whose subject is not the store itself. */
export function memorySecretStore(initial: Record<string, string> = {}): MemorySecretStore {
  return new MemorySecretStore(initial, 'memory');
}
