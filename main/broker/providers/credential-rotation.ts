import { messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { TokenRefresher } from './token-refresher.js';

/** What live rotation needs from the gateway. */
export interface RotatingGateway {
  serversUsingAccount(accountId: string): string[];
  restartServerWhenIdle(name: string): Promise<void>;
}

/**
 * Live credential rotation: whenever an account's tokens change (refresh or a new sign-in), every
 * running server that got the old access token in its environment is restarted between calls — calls
 * in flight finish on the old process, new ones wait and go to the new one — so no server ever holds
 * an expired token and no call is lost. Returns a function that stops listening.
 */
export function wireLiveRotation(
  refresher: TokenRefresher,
  gateway: RotatingGateway,
  logger: Logger,
): () => void {
  const onRefreshed = (accountId: string) => {
    for (const server of gateway.serversUsingAccount(accountId)) {
      gateway.restartServerWhenIdle(server).catch((error: unknown) => {
        logger.warn(
          { server, account: accountId, err: messageOf(error) },
          'restart after token rotation failed',
        );
      });
    }
  };
  refresher.on('refreshed', onRefreshed);
  return () => refresher.off('refreshed', onRefreshed);
}
