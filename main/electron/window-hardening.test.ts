import { describe, expect, it } from 'vitest';

import type { Status } from '../contract/status.js';
import { ExternalLinks } from './external-links.js';
import { statusLine, type TrayActions, trayTemplate } from './tray-menu.js';
import { hardenContents, secureWebPreferences, type WebContentsLike } from './window-hardening.js';

type Listener = (event: { preventDefault(): void }, url: string) => void;

/** Electron's WebContents, faked at the boundary: records the handlers hardening installs. */
function fakeContents() {
  const on = new Map<string, Listener>();
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  const contents: WebContentsLike = {
    setWindowOpenHandler: (h) => {
      openHandler = h;
    },
    on: (event: string, listener: Listener) => on.set(event, listener),
  };
  const navigate = (event: string, url: string) => {
    let prevented = false;
    on.get(event)?.({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents, navigate, open: (url: string) => openHandler?.({ url }) };
}

const APP = 'file:///app/dist/renderer/index.html';

describe('window hardening', () => {
  it('uses isolated, sandboxed renderers without Node', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/p.cjs',
    });
  });

  it('blocks navigation away from the app and window.open; opens only broker-produced http(s) links', () => {
    const links = new ExternalLinks();
    links.allow('https://github.com/login/device');
    const opened: string[] = [];
    const fake = fakeContents();
    hardenContents(
      fake.contents,
      (url) => url.split('#')[0] === APP,
      links,
      (url) => opened.push(url),
    );
    expect(fake.navigate('will-navigate', `${APP}#/audit`)).toBe(false);
    expect(fake.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fake.navigate('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(fake.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(fake.open('https://github.com/login/device')).toEqual({ action: 'deny' });
    expect(fake.navigate('will-navigate', 'https://github.com/login/device')).toBe(true);
    expect(opened).toEqual(['https://github.com/login/device', 'https://github.com/login/device']);
  });

  it('never opens non-http(s) URLs, even if registered', () => {
    const links = new ExternalLinks();
    links.allow('file:///etc/passwd');
    links.allow('javascript:alert(1)');
    expect(links.mayOpen('file:///etc/passwd')).toBe(false);
    expect(links.mayOpen('javascript:alert(1)')).toBe(false);
  });
});

describe('tray menu', () => {
  const status = (paused: boolean, states: string[]): Status => ({
    broker: { pid: 1, version: '0', url: '', startedAt: '', secretStore: '', clients: 0, paused },
    servers: states.map((state, i) => ({
      name: `s${String(i)}`,
      state: state as 'running',
      enabled: true,
      toolCount: 0,
      tools: [],
      restarts: 0,
      stderrTail: [],
    })),
  });
  const calls: string[] = [];
  const actions: TrayActions = {
    openWindow: (s) => calls.push(`open ${s ?? ''}`),
    signIn: (p) => calls.push(`signIn ${p}`),
    signOut: (a) => calls.push(`signOut ${a}`),
    setPaused: (p) => calls.push(`paused ${String(p)}`),
    setLaunchAtLogin: (e) => calls.push(`login ${String(e)}`),
    quit: () => calls.push('quit'),
  };

  it('shows status, providers with sign in/out, open window, pause, launch at login and quit', () => {
    expect(statusLine(status(false, ['running', 'failed']))).toBe('1/2 servers running · 1 need attention');
    const menu = trayTemplate(
      {
        status: status(false, ['running']),
        providers: {
          available: true,
          providers: [
            {
              id: 'github',
              name: 'GitHub',
              flows: ['device'],
              accounts: [{ id: 'a1', label: 'octocat', status: 'ok' }],
            },
          ],
        },
        launchAtLogin: false,
      },
      actions,
    );
    const labels = menu.map((m) => m.label ?? '-');
    expect(labels).toEqual([
      '1/1 servers running',
      '-',
      'GitHub (octocat)',
      '-',
      'Open window',
      'Audit log',
      'Pause all servers',
      'Launch at login',
      '-',
      'Quit',
    ]);
    menu[2]?.submenu?.[0]?.click?.();
    menu[2]?.submenu?.[1]?.click?.();
    menu[6]?.click?.();
    menu[7]?.click?.();
    expect(calls).toEqual(['signIn github', 'signOut a1', 'paused true', 'login true']);
  });

  it('offers Resume when paused and says when no provider is configured', () => {
    const menu = trayTemplate(
      { status: status(true, []), providers: undefined, launchAtLogin: true },
      actions,
    );
    expect(menu[0]?.label).toBe('All servers paused');
    expect(menu.some((m) => m.label === 'Resume all servers')).toBe(true);
    expect(menu[2]).toEqual({ label: 'Providers: none configured', enabled: false });
  });
});
