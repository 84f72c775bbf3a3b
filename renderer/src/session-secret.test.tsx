// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';

import { splitServerSentEvents } from './http-broker-api.js';
import { shareSessionSecret, takeSessionSecret } from './session-secret.js';

const SECRET = 'A'.repeat(43);

describe('browser-mode session secret in the page', () => {
  it('SEC-3 takes the secret from the login page into memory and drops the used link', () => {
    window.history.pushState(null, '', '/ui/login?token=used#/audit');
    const meta = document.createElement('meta');
    meta.name = 'mab-session';
    meta.content = SECRET;
    document.head.append(meta);
    expect(takeSessionSecret(document)).toBe(SECRET);
    expect(document.querySelector('meta[name="mab-session"]')).toBeNull();
    expect(window.location.pathname + window.location.search + window.location.hash).toBe('/ui/#/audit');
    expect(takeSessionSecret(document)).toBeUndefined();
  });

  it('SEC-3 answers only same-origin windows it opened itself', () => {
    shareSessionSecret(SECRET, window);
    const opened = { opener: window, postMessage: vi.fn() };
    const stranger = { opener: null, postMessage: vi.fn() };
    const send = (origin: string, source: object) =>
      window.dispatchEvent(
        new MessageEvent('message', {
          data: 'mab-session-request',
          origin,
          source: source as unknown as Window,
        }),
      );
    send('http://127.0.0.1:1', opened);
    send(window.location.origin, stranger);
    expect(opened.postMessage).not.toHaveBeenCalled();
    expect(stranger.postMessage).not.toHaveBeenCalled();
    send(window.location.origin, opened);
    expect(opened.postMessage).toHaveBeenCalledWith(
      { type: 'mab-session-reply', secret: SECRET },
      window.location.origin,
    );
  });

  it('splits a server-sent event stream into data payloads, keeping a partial event for later', () => {
    const { data, rest } = splitServerSentEvents(
      ': connected\n\ndata: {"a":1}\n\ndata: line one\ndata: line two\r\n\r\ndata: {"par',
    );
    expect(data).toEqual(['{"a":1}', 'line one\nline two']);
    expect(rest).toBe('data: {"par');
  });
});
