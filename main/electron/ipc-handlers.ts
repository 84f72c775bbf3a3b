import { BrokerError, messageOf } from '../broker/base/errors.js';
import {
  BROKER_API_METHODS,
  BrokerApiError,
  type BrokerApiHandlers,
  type BrokerApiMethod,
  parseApiInput,
} from '../contract/window-api.js';
import { channelFor } from './ipc-channels.js';

/** The part of an IPC event a handler looks at (Electron's `IpcMainInvokeEvent`). */
export interface IpcInvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string } | null;
}

/** The part of Electron's `ipcMain` the bridge uses. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

/** Decides whether an IPC message comes from the app's own window and page. */
export type SenderCheck = (event: IpcInvokeEventLike) => boolean;

/**
 * A sender check for one window: the message must come from that window's web contents and from a
 * frame showing the app's own renderer page (never a navigated-away or injected frame).
 */
export function trustedSender(windowContentsId: () => number | undefined, rendererUrl: string): SenderCheck {
  return (event) => {
    const frameUrl = event.senderFrame?.url;
    if (frameUrl === undefined || event.sender.id !== windowContentsId()) return false;
    const page = frameUrl.split('#')[0];
    return page === rendererUrl;
  };
}

/** Errors cross IPC as `Error` messages; this keeps the stable code in front: `CODE: message`. */
function ipcError(error: unknown, redact: (text: string) => string = (text) => text): Error {
  const code = error instanceof BrokerError || error instanceof BrokerApiError ? error.code : 'INTERNAL';
  return new Error(`${code}: ${redact(messageOf(error))}`);
}

/**
 * Registers one `ipcMain.handle` per contract call. Every handler first checks the sender, then
 * parses its argument with the call's zod schema, then calls the broker. Returns the function that
 * removes them again. Error messages pass `redact` (the broker's secret redactor, SEC-5).
 */
export function registerBrokerIpc(
  ipc: IpcMainLike,
  api: BrokerApiHandlers,
  isTrusted: SenderCheck,
  redact: (text: string) => string = (text) => text,
): () => void {
  const methods = Object.keys(BROKER_API_METHODS) as BrokerApiMethod[];
  for (const method of methods) {
    ipc.handle(channelFor(method), async (event, ...args) => {
      if (!isTrusted(event)) {
        throw ipcError(
          new BrokerApiError('FORBIDDEN', `IPC ${method} refused: it did not come from the app window.`),
        );
      }
      try {
        if (args.length > 1) throw new BrokerApiError('BAD_REQUEST', `${method} takes one argument.`);
        const input = parseApiInput(method, args[0]);
        const handler = api[method] as (input: unknown) => Promise<unknown>;
        return await handler(input);
      } catch (error) {
        throw ipcError(error, redact);
      }
    });
  }
  return () => {
    for (const method of methods) ipc.removeHandler(channelFor(method));
  };
}
