import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BrokerError } from '../broker/base/errors.js';
import type { Broker } from '../broker/broker.js';
import { SecretRedactor } from '../broker/secrets/secret-redactor.js';
import { BROKER_API_METHODS } from '../contract/window-api.js';
import { fixtureServer } from '../test-support/broker-process.js';
import { startTestBroker, type TestBroker } from '../test-support/in-process-broker.js';
import { sdkClientFlow } from '../test-support/jar-oauth-client.js';
import { API_CHANNELS } from './ipc-channels.js';
import {
  type IpcInvokeEventLike,
  type IpcMainLike,
  registerBrokerIpc,
  trustedSender,
} from './ipc-handlers.js';

/** Electron's ipcMain, faked at the boundary: it keeps the handlers so the test can invoke them. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(
    channel: string,
    listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: IpcInvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  }
}

const APP_PAGE = 'file:///opt/mcp-auth-broker/dist/renderer/index.html';
const WINDOW_ID = 7;
const fromApp: IpcInvokeEventLike = {
  sender: { id: WINDOW_ID },
  senderFrame: { url: `${APP_PAGE}#/servers` },
};

let kit: TestBroker;
let broker: Broker;
const ipc = new FakeIpcMain();
let unregister: () => void;

beforeAll(async () => {
  kit = await startTestBroker({
    servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) },
    secretStore: 'encrypted-file',
  });
  broker = kit.broker;
  unregister = registerBrokerIpc(
    ipc,
    broker.ui!.api,
    trustedSender(() => WINDOW_ID, APP_PAGE),
  );
});

afterAll(() => kit.stop());

describe('IPC contract of the desktop window', () => {
  it('registers exactly one handler per BrokerApi call', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([...API_CHANNELS].sort());
    expect(API_CHANNELS).toHaveLength(Object.keys(BROKER_API_METHODS).length);
  });

  it('every handler refuses another window, a navigated frame and a missing frame', async () => {
    const strangers: IpcInvokeEventLike[] = [
      { sender: { id: WINDOW_ID + 1 }, senderFrame: { url: APP_PAGE } },
      { sender: { id: WINDOW_ID }, senderFrame: { url: 'https://evil.example/index.html' } },
      { sender: { id: WINDOW_ID }, senderFrame: { url: 'file:///tmp/other.html' } },
      { sender: { id: WINDOW_ID }, senderFrame: null },
    ];
    for (const channel of API_CHANNELS) {
      for (const event of strangers) {
        await expect(ipc.invoke(channel, event, {}), `${channel} ${JSON.stringify(event)}`).rejects.toThrow(
          /^FORBIDDEN: IPC \w+ refused/,
        );
      }
    }
  });

  it('every handler rejects arguments its schema does not allow', async () => {
    for (const channel of API_CHANNELS) {
      await expect(ipc.invoke(channel, fromApp, { unexpected: 1 }), channel).rejects.toThrow(
        /^BAD_REQUEST: /,
      );
      await expect(ipc.invoke(channel, fromApp, {}, {}), channel).rejects.toThrow(
        /^BAD_REQUEST: .* takes one argument/,
      );
      await expect(ipc.invoke(channel, fromApp, 'text'), channel).rejects.toThrow(/^BAD_REQUEST: /);
    }
  });

  it('SEC-5 an error message carrying a known multi-line secret crosses IPC redacted', async () => {
    const redactor = new SecretRedactor();
    const key = 'first-line-of-a-key-AAAA1111\nsecond-line-of-a-key-BBBB2222';
    redactor.add(key);
    const own = new FakeIpcMain();
    const failing = {
      ...broker.ui!.api,
      getStatus: () => Promise.reject(new BrokerError('INTERNAL', `said ${key.split('\n')[1] ?? ''}`)),
    };
    const off = registerBrokerIpc(
      own,
      failing,
      trustedSender(() => WINDOW_ID, APP_PAGE),
      (t) => redactor.redact(t),
    );
    try {
      const error = await own.invoke('broker:getStatus', fromApp, {}).catch((e: unknown) => e as Error);
      expect((error as Error).message).toMatch(/^INTERNAL: said /);
      expect((error as Error).message).not.toContain('second-line-of-a-key-BBBB2222');
    } finally {
      off();
    }
  });

  it('answers a trusted, well-formed call from the real broker', async () => {
    const status = (await ipc.invoke('broker:getStatus', fromApp, {})) as { servers: { name: string }[] };
    expect(status.servers.map((s) => s.name)).toEqual(['alpha']);
    await expect(ipc.invoke('broker:restartServer', fromApp, { name: 'nope' })).rejects.toThrow(
      /^SERVER_NOT_FOUND: No server named "nope"/,
    );
  });

  it('SEC-1 approval from the window (its IPC call, as the preload bridge invokes it) completes an SDK client’s OAuth flow', async () => {
    const stranger: IpcInvokeEventLike = { sender: { id: WINDOW_ID + 1 }, senderFrame: { url: APP_PAGE } };
    const { provider, tools } = await sdkClientFlow(broker.url, async (requestCode) => {
      await expect(ipc.invoke('broker:approveConsent', stranger, { requestCode })).rejects.toThrow(
        /^FORBIDDEN: /,
      );
      await expect(ipc.invoke('broker:approveConsent', fromApp, { requestCode })).resolves.toEqual({
        ok: true,
      });
      await expect(ipc.invoke('broker:denyConsent', fromApp, { requestCode })).rejects.toThrow(
        /^CONSENT_NOT_FOUND: /,
      );
    });
    expect(provider.saved?.scope).toBe('mcp:servers:alpha');
    expect(tools).toContain('alpha__echo');
  });

  it('removes its handlers again', () => {
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});
