import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Broker } from '../broker/broker.js';
import type { BrokerEvent } from '../contract/window-api.js';
import {
  authorizeUrl,
  BrowserJar,
  pkcePair,
  registerClient,
  requestCodeOf,
} from '../test-support/authz-test-kit.js';
import { startTestBroker, type TestBroker } from '../test-support/in-process-broker.js';
import { ConsentNotifier, type NotificationLike } from './consent-notifier.js';

/** Electron's Notification, faked at the boundary: records what the OS would show. */
class FakeNotification implements NotificationLike {
  shown = false;
  closed = false;
  private onClick: (() => void) | undefined;
  constructor(readonly options: { title: string; body: string }) {}
  on(_event: 'click', listener: () => void): this {
    this.onClick = listener;
    return this;
  }
  show(): void {
    this.shown = true;
  }
  close(): void {
    this.closed = true;
  }
  click(): void {
    this.onClick?.();
  }
}

function shell(brokerUrl: string, withNotifications = true) {
  const notifications: FakeNotification[] = [];
  const windows: string[] = [];
  const notifier = new ConsentNotifier({
    brokerUrl,
    createNotification: withNotifications
      ? (options) => {
          const n = new FakeNotification(options);
          notifications.push(n);
          return n;
        }
      : undefined,
    openWindow: (screen) => windows.push(screen ?? ''),
  });
  return { notifier, notifications, windows };
}

let kit: TestBroker;
let broker: Broker;

beforeAll(async () => {
  kit = await startTestBroker({ tmpPrefix: 'mab-consent-notifier-', secretStore: 'encrypted-file' });
  broker = kit.broker;
});

afterAll(() => kit.stop());

describe('desktop app reaction to consent requests', () => {
  it('SEC-1 a real consent request notifies with the client name and request code; the click opens the window where it is approved; answering closes it', async () => {
    const fake = shell(broker.url);
    const settled = new Promise<void>((resolve) => {
      const stop = broker.ui!.api.onEvent((event) => {
        fake.notifier.handle(event);
        if (event.type === 'consent' && event.state !== 'pending') {
          stop();
          resolve();
        }
      });
    });
    const redirect = 'http://127.0.0.1:7777/callback';
    const reg = await registerClient(broker.url, { client_name: 'Cursor', redirect_uris: [redirect] });
    const jar = new BrowserJar(broker.url);
    const page = await jar.walk(
      authorizeUrl(broker.url, {
        client_id: String(reg.body['client_id']),
        redirect_uri: redirect,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      }),
    );
    if (page.kind !== 'page') throw new Error('expected the consent page');
    await expect.poll(() => fake.notifications.length).toBe(1);
    const [notification] = fake.notifications;
    expect(notification?.options.title).toBe('Cursor asks to use your MCP servers');
    expect(notification?.options.body).toContain(requestCodeOf(page.html));
    expect(notification?.shown).toBe(true);
    expect(fake.windows).toEqual([]);
    notification?.click();
    expect(fake.windows).toEqual(['clients']);
    await jar.answer(page, 'deny');
    await settled;
    expect(notification?.closed).toBe(true);
  });

  it('without OS notifications the window opens on the Clients screen, once per request', () => {
    const fake = shell('http://127.0.0.1:4000', false);
    const event: BrokerEvent = {
      type: 'consent',
      state: 'pending',
      consent: {
        id: 'u1',
        requestCode: 'ABCD-EFGH',
        clientId: 'c1',
        redirectHost: 'http://127.0.0.1:7777',
        scopes: [],
        clientName: 'Claude Code',
        url: 'http://127.0.0.1:4000/oauth/interaction/u1',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
    };
    fake.notifier.handle(event);
    fake.notifier.handle(event);
    expect(fake.windows).toEqual(['clients']);
  });

  it('ignores consent URLs that are not the broker’s own consent pages', () => {
    const fake = shell('http://127.0.0.1:4000');
    for (const url of [
      'https://evil.example/oauth/interaction/u1',
      'http://127.0.0.1:4001/oauth/interaction/u1',
      'http://127.0.0.1:4000/ui/',
      'file:///etc/passwd',
    ]) {
      fake.notifier.handle({
        type: 'consent',
        state: 'pending',
        consent: {
          ...{ id: url, requestCode: 'ABCD-EFGH', clientId: 'c', clientName: 'x', url },
          ...{ redirectHost: 'http://x', scopes: [], expiresAt: new Date().toISOString() },
        },
      });
    }
    expect(fake.notifications).toEqual([]);
    expect(fake.windows).toEqual([]);
  });
});
