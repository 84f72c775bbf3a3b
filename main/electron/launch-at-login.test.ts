import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../test-support/temp-dir.js';
import {
  DESKTOP_SETTINGS_FILE,
  execArgument,
  LaunchAtLogin,
  type LoginItemsLike,
  xdgAutostart,
} from './launch-at-login.js';
import { type TrayActions, trayTemplate } from './tray-menu.js';

/** Electron's app.setLoginItemSettings, faked at the boundary: records what the OS was told. */
function loginItems(): LoginItemsLike & { calls: { openAtLogin: boolean }[] } {
  const calls: { openAtLogin: boolean }[] = [];
  return { calls, setLoginItemSettings: (s) => void calls.push(s) };
}

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('mab-launch-');
});
afterEach(() => tmp.remove());

describe('launch at login', () => {
  it('the tray checkbox stores the choice in the settings file and registers the login item', () => {
    const os = loginItems();
    const launch = new LaunchAtLogin(tmp.path, os);
    const noop = () => undefined;
    const actions: TrayActions = {
      ...{ openWindow: noop, signIn: noop, signOut: noop, setPaused: noop, quit: noop },
      setLaunchAtLogin: (enabled) => launch.set(enabled),
    };
    const item = () =>
      trayTemplate({ status: undefined, providers: undefined, launchAtLogin: launch.enabled }, actions).find(
        (m) => m.label === 'Launch at login',
      );
    expect(item()).toMatchObject({ type: 'checkbox', checked: false });
    item()?.click?.();
    expect(os.calls).toEqual([{ openAtLogin: true }]);
    expect(item()?.checked).toBe(true);
    const file = join(tmp.path, DESKTOP_SETTINGS_FILE);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ launchAtLogin: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.path)).toEqual([DESKTOP_SETTINGS_FILE]);
    item()?.click?.();
    expect(os.calls).toEqual([{ openAtLogin: true }, { openAtLogin: false }]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ launchAtLogin: false });
  });

  it('at start, re-applies a stored choice and registers nothing before the person chose', () => {
    const os = loginItems();
    new LaunchAtLogin(tmp.path, os).apply();
    expect(os.calls).toEqual([]);
    new LaunchAtLogin(tmp.path, os).set(true);
    const restarted = loginItems();
    new LaunchAtLogin(tmp.path, restarted).apply();
    expect(restarted.calls).toEqual([{ openAtLogin: true }]);
  });

  it('an unreadable settings file counts as “off” instead of stopping the app', () => {
    writeFileSync(join(tmp.path, DESKTOP_SETTINGS_FILE), '{not json');
    const os = loginItems();
    const launch = new LaunchAtLogin(tmp.path, os);
    expect(launch.enabled).toBe(false);
    launch.apply();
    expect(os.calls).toEqual([]);
    launch.set(true);
    expect(launch.enabled).toBe(true);
  });

  it('on Linux an XDG autostart entry is written when turned on and removed when turned off', () => {
    const configHome = join(tmp.path, 'config');
    const exec = ['/opt/MCP Auth Broker/mcp-auth-broker', '--flag=100%'];
    const launch = new LaunchAtLogin(tmp.path, xdgAutostart({ configHome, name: 'mcp-auth-broker', exec }));
    const entry = join(configHome, 'autostart', 'mcp-auth-broker.desktop');
    launch.set(true);
    const text = readFileSync(entry, 'utf8');
    expect(text.split('\n')).toEqual([
      '[Desktop Entry]',
      'Type=Application',
      'Name=MCP Auth Broker',
      'Exec="/opt/MCP Auth Broker/mcp-auth-broker" --flag=100%%',
      'X-GNOME-Autostart-enabled=true',
      '',
    ]);
    expect(statSync(entry).mode & 0o777).toBe(0o644);
    launch.set(false);
    expect(existsSync(entry)).toBe(false);
    launch.set(false);
  });

  it('quotes Exec arguments as the Desktop Entry Specification asks', () => {
    expect(execArgument('/usr/bin/app')).toBe('/usr/bin/app');
    expect(execArgument('a b')).toBe('"a b"');
    expect(execArgument('$HOME"x`')).toBe('"\\\\$HOME\\\\"x\\\\`"');
    expect(execArgument('a\\b c')).toBe('"a\\\\\\\\b c"');
  });
});
