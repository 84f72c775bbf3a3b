import { isBrokerError } from '../broker/base/errors.js';
import type { Logger } from '../broker/base/logger.js';
import { Broker } from '../broker/broker.js';
import { requestControl } from '../broker/control/control-client.js';
import type { SecretRedactor } from '../broker/secrets/secret-redactor.js';
import type { BrokerApiCore } from '../broker/window/broker-api-core.js';
import { UiLoginLinkResponseSchema } from '../contract/control-api.js';

/**
 * One owner of the tokens either way: the desktop app hosts the broker core in its main process,
 * or, when a headless broker of the same user already runs for this data dir, attaches to it and
 * shows its browser-mode window (signed in with a one-time link from its control socket).
 */
export type BrokerHost =
  | { mode: 'hosted'; broker: Broker; api: BrokerApiCore; close(): Promise<void> }
  | { mode: 'attached'; loginUrl: string; origin: string; close(): Promise<void> };

export interface HostOptions {
  configPath: string;
  dataDir: string;
  logger: Logger;
  redactor: SecretRedactor;
}

/** Starts the broker in-process, or attaches to the one already running for `dataDir`. */
export async function hostOrAttach(options: HostOptions): Promise<BrokerHost> {
  try {
    const broker = await Broker.start(options);
    const api = broker.ui?.api;
    if (!api) throw new Error('the broker started without its window API');
    return { mode: 'hosted', broker, api, close: () => broker.close() };
  } catch (error) {
    if (!isBrokerError(error, 'LOCK_HELD')) throw error;
    const { url: loginUrl } = await requestControl(
      options.dataDir,
      'POST',
      '/ui/login-link',
      UiLoginLinkResponseSchema,
    );
    return { mode: 'attached', loginUrl, origin: new URL(loginUrl).origin, close: () => Promise.resolve() };
  }
}
