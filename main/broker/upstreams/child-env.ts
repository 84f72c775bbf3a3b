import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';

import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import type { StdioServerConfig } from '../config/config-schema.js';
import { accountOfRef, applyTemplate, tokenSecretName } from '../providers/provider-config.js';
import { cliCommand } from '../runtime/cli-command.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';

/** Access tokens of signed-in provider accounts (the broker's TokenRefresher). */
export interface ProviderCredentials {
  /** A usable access token, refreshed first when due; throws SIGNIN_NEEDED naming the fix. */
  accessToken(accountId: string): Promise<string>;
}

/**
 * The environment a server's child process gets: only the basics every program needs (the SDK's
 * safe list: PATH, HOME, USER, SHELL, TERM, LOGNAME on POSIX; the Windows equivalents), the
 * literal values from the server's config, and the secrets it references, read from the store.
 * Never the broker's own `process.env`: other credentials the broker happens to see stay out.
 */
export interface ResolvedServerEnv {
  env: Record<string, string>;
  /** Names of the secrets that were injected (sorted, no duplicates), for the audit log. */
  secretNames: string[];
}

async function readSecret(serverName: string, secretName: string, secrets: SecretStore) {
  try {
    return await secrets.get(secretName);
  } catch (error) {
    if (isBrokerError(error)) throw error;
    throw new BrokerError(
      'SECRET_STORE_UNAVAILABLE',
      `Server "${serverName}" needs secret "${secretName}", but ${secrets.description} could not be read: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/**
 * Builds the child environment of `server`. A missing secret fails with `SECRET_NOT_FOUND` and the
 * command that fixes it, unless the reference is `optional` (then the variable is left out, also when
 * the store cannot be read). Every
 * resolved secret value is registered with `redactor` before this returns.
 *
 * @param serverName the server's name in the config, used in error messages.
 */
export async function resolveServerEnv(
  server: StdioServerConfig,
  secrets: SecretStore,
  redactor: SecretRedactor,
  serverName: string,
  credentials?: ProviderCredentials,
): Promise<ResolvedServerEnv> {
  const env: Record<string, string> = { ...getDefaultEnvironment() };
  const secretNames = new Set<string>();
  for (const [variable, value] of Object.entries(server.env)) {
    if (typeof value === 'string') {
      env[variable] = value;
      continue;
    }
    if ('provider' in value) {
      const account = accountOfRef(value);
      if (!credentials) {
        throw new BrokerError(
          'SIGNIN_NEEDED',
          `Server "${serverName}" needs provider account "${account.id}", but provider sign-in is not available here.`,
        );
      }
      const token = await credentials.accessToken(account.id);
      redactor.add(token);
      env[variable] = applyTemplate(value, token);
      secretNames.add(tokenSecretName(account));
      continue;
    }
    // An optional reference tolerates a store that cannot be read (e.g. no keychain on a headless
    // machine): the variable is left out, as when the secret does not exist.
    const secretValue =
      value.optional === true
        ? await readSecret(serverName, value.secret, secrets).catch(() => undefined)
        : await readSecret(serverName, value.secret, secrets);
    if (secretValue === undefined) {
      if (value.optional === true) continue;
      throw new BrokerError(
        'SECRET_NOT_FOUND',
        `Server "${serverName}" needs secret "${value.secret}", which is not in the keychain. Run: ${cliCommand(`secret set ${value.secret}`)}`,
      );
    }
    redactor.add(secretValue);
    env[variable] = secretValue;
    secretNames.add(value.secret);
  }
  return { env, secretNames: [...secretNames].sort() };
}
