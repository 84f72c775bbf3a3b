import { BrokerError } from '../base/errors.js';

/**
 * Where named secrets live. The OS keychain is the default; an encrypted file is used only when the
 * person chooses it in the config. Implementations never log or echo values, and their errors name
 * the secret, never its value.
 */
export interface SecretStore {
  /** Short human description, e.g. "OS keychain (Secret Service)". */
  readonly description: string;
  /** The value, or `undefined` when no secret has that name. */
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  /** True when a secret was deleted, false when none had that name. */
  delete(name: string): Promise<boolean>;
  /** Names only, sorted. */
  list(): Promise<string[]>;
}

/** Secret names: what `secret set NAME` takes and what config references point at. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function assertSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new BrokerError(
      'SECRET_NAME_INVALID',
      `Invalid secret name "${name.slice(0, 40)}": use 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit.`,
    );
  }
}
