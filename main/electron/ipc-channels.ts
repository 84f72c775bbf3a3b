import { BROKER_API_METHODS, type BrokerApiMethod } from '../contract/window-api.js';

/**
 * The enumerated IPC channels of the desktop window: one `invoke` channel per `BrokerApi` call
 * (`broker:<call>`) and one push channel for live events. The preload script spells the same names
 * out (it is sandboxed and cannot import this module); a test checks the two agree.
 */
export const IPC_PREFIX = 'broker:';
export const EVENT_CHANNEL = 'broker:event';

export function channelFor(method: BrokerApiMethod): string {
  return `${IPC_PREFIX}${method}`;
}

export const API_CHANNELS: readonly string[] = (Object.keys(BROKER_API_METHODS) as BrokerApiMethod[]).map(
  channelFor,
);
