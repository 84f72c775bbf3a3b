import { describe, expect, it } from 'vitest';

import type { ApiOutput } from '../contract/window-api.js';
import { ExternalLinks } from './external-links.js';
import { type SignInWindowLike, SignInWindows, traySignIn } from './sign-in-window.js';

type Listener = (...args: never[]) => unknown;

/** Electron's BrowserWindow, faked at the boundary: records options, loads and handlers. */
class FakeWindow implements SignInWindowLike {
  static nextId = 100;
  readonly loaded: { path: string; hash: string }[] = [];
  readonly handlers = new Map<string, Listener>();
  readonly webContents;
  destroyed = false;
  focused = 0;
  constructor(readonly options: unknown) {
    const handlers = this.handlers;
    this.webContents = {
      id: FakeWindow.nextId++,
      send: () => undefined,
      setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) =>
        void handlers.set('window-open', h),
      on: (event: string, listener: Listener) => handlers.set(`contents:${event}`, listener),
    };
  }
  loadFile(path: string, options: { hash: string }): Promise<void> {
    this.loaded.push({ path, hash: options.hash });
    return Promise.resolve();
  }
  once(event: string, listener: Listener): this {
    this.handlers.set(event, listener);
    return this;
  }
  on(event: string, listener: Listener): this {
    this.handlers.set(event, listener);
    return this;
  }
  show(): void {}
  focus(): void {
    this.focused += 1;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    this.handlers.get('closed')?.();
  }
}

const INDEX = '/app/dist/renderer/index.html';
const APP = 'file:///app/dist/renderer/index.html';

function windows() {
  const created: FakeWindow[] = [];
  const opened: string[] = [];
  const links = new ExternalLinks();
  const set = new SignInWindows({
    createWindow: (options) => {
      const w = new FakeWindow(options);
      created.push(w);
      return w;
    },
    rendererIndex: INDEX,
    rendererUrl: APP,
    preload: '/app/dist/preload/broker-bridge.cjs',
    links,
    openExternal: (url) => opened.push(url),
  });
  return { set, created, opened, links };
}

describe('device-code sign-in window', () => {
  it('opens a small, hardened window on #/sign-in/<provider>, one per provider, trusted for IPC only while open', () => {
    const { set, created } = windows();
    const w = set.show('github');
    expect(set.show('github')).toBe(w);
    expect(created).toHaveLength(1);
    expect(created[0]?.focused).toBe(1);
    expect(created[0]?.options).toMatchObject({
      width: 420,
      resizable: false,
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
    });
    expect(created[0]?.loaded).toEqual([{ path: INDEX, hash: '/sign-in/github' }]);
    expect(created[0]?.handlers.has('window-open')).toBe(true);
    expect(created[0]?.handlers.has('contents:will-navigate')).toBe(true);
    const fromWindow = { sender: { id: w.webContents.id }, senderFrame: { url: `${APP}#/sign-in/github` } };
    expect(set.trusts(fromWindow)).toBe(true);
    expect(set.trusts({ ...fromWindow, senderFrame: { url: 'https://evil.example/' } })).toBe(false);
    expect(set.trusts({ ...fromWindow, sender: { id: 1 } })).toBe(false);
    created[0]?.close();
    expect(set.trusts(fromWindow)).toBe(false);
    expect(set.windows()).toEqual([]);
  });

  it('the tray’s Sign in opens the code window for a device flow, allowing only its verification URLs', async () => {
    const { set, created, links, opened } = windows();
    const started: ApiOutput<'signIn'> = {
      verificationUri: 'https://github.com/login/device',
      verificationUriComplete: 'https://github.com/login/device?user_code=WDJB-MJHT',
      userCode: 'WDJB-MJHT',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    };
    const how = await traySignIn('github', {
      signIn: () => Promise.resolve(started),
      links,
      openExternal: (url) => opened.push(url),
      showWindow: (p) => set.show(p),
    });
    expect(how).toBe('window');
    expect(created[0]?.loaded[0]?.hash).toBe('/sign-in/github');
    expect(opened).toEqual([]);
    expect(links.mayOpen('https://github.com/login/device')).toBe(true);
    expect(links.mayOpen('https://github.com/login/device?user_code=WDJB-MJHT')).toBe(true);
    expect(links.mayOpen('https://github.com/login/oauth')).toBe(false);
  });

  it('the tray’s Sign in opens the system browser for a PKCE flow, and the window when the sign-in cannot start', async () => {
    const { set, created, links, opened } = windows();
    const deps = {
      links,
      openExternal: (url: string) => opened.push(url),
      showWindow: (p: string) => set.show(p),
    };
    const page = 'https://id.example/authorize?client_id=x&code_challenge=abc';
    expect(
      await traySignIn('corp', { ...deps, signIn: () => Promise.resolve({ verificationUri: page }) }),
    ).toBe('browser');
    expect(opened).toEqual([page]);
    expect(created).toHaveLength(0);
    const failing = () => Promise.reject(new Error('discovery failed'));
    expect(await traySignIn('corp', { ...deps, signIn: failing })).toBe('window');
    expect(created[0]?.loaded[0]?.hash).toBe('/sign-in/corp');
  });
});
