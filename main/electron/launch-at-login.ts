import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { writeFileAtomic } from '../broker/base/atomic-file.js';

/** The desktop app's own, non-secret settings: `<data dir>/desktop-settings.json`. */
export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json';

const DesktopSettingsSchema = z.object({ launchAtLogin: z.boolean().default(false) });
export type DesktopSettings = z.infer<typeof DesktopSettingsSchema>;

/** Reads the settings; a missing or unreadable file gives the defaults (it holds nothing precious). */
export function readDesktopSettings(dataDir: string): { settings: DesktopSettings; stored: boolean } {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(dataDir, DESKTOP_SETTINGS_FILE), 'utf8'));
    const parsed = DesktopSettingsSchema.safeParse(raw);
    if (parsed.success) return { settings: parsed.data, stored: true };
  } catch {
    // Missing or not JSON: defaults.
  }
  return { settings: DesktopSettingsSchema.parse({}), stored: false };
}

/** Writes the settings atomically (temp file, fsync, rename). */
export function writeDesktopSettings(dataDir: string, settings: DesktopSettings): void {
  writeFileAtomic(join(dataDir, DESKTOP_SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}

/** The part of Electron's `app` that registers the app as a login item. */
export interface LoginItemsLike {
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
}

/**
 * "Launch at login": the person's choice lives in the settings file, and the OS login item is made
 * to match it — when it changes in the tray, and once at start (so a reinstalled or moved app is
 * registered again). Nothing is registered until the person has chosen.
 */
export class LaunchAtLogin {
  constructor(
    private readonly dataDir: string,
    private readonly loginItems: LoginItemsLike,
  ) {}

  get enabled(): boolean {
    return readDesktopSettings(this.dataDir).settings.launchAtLogin;
  }

  /** At start: re-applies a stored choice to the OS. */
  apply(): void {
    const { settings, stored } = readDesktopSettings(this.dataDir);
    if (stored) this.loginItems.setLoginItemSettings({ openAtLogin: settings.launchAtLogin });
  }

  /** From the tray's checkbox: stores the choice, then registers (or removes) the login item. */
  set(enabled: boolean): void {
    const { settings } = readDesktopSettings(this.dataDir);
    writeDesktopSettings(this.dataDir, { ...settings, launchAtLogin: enabled });
    this.loginItems.setLoginItemSettings({ openAtLogin: enabled });
  }
}

/**
 * Linux, where Electron has no login items: an XDG Autostart entry
 * (`$XDG_CONFIG_HOME/autostart/<name>.desktop`, Desktop Application Autostart Specification) starts
 * the app at login; removing it turns that off.
 */
export function xdgAutostart(options: { configHome: string; name: string; exec: string[] }): LoginItemsLike {
  const path = join(options.configHome, 'autostart', `${options.name}.desktop`);
  return {
    setLoginItemSettings: ({ openAtLogin }) => {
      if (!openAtLogin) {
        rmSync(path, { force: true });
        return;
      }
      const entry = [
        '[Desktop Entry]',
        'Type=Application',
        'Name=MCP Auth Broker',
        `Exec=${options.exec.map(execArgument).join(' ')}`,
        'X-GNOME-Autostart-enabled=true',
        '',
      ];
      writeFileAtomic(path, entry.join('\n'), 0o644);
    },
  };
}

/**
 * One argument of a desktop entry's `Exec` key: `%` doubled (field codes); anything beyond plain
 * path characters double-quoted, with `"`, `` ` ``, `$` and `\` backslash-escaped — written with the
 * backslash itself escaped, since string unescaping applies before the quoting rule (Desktop Entry
 * Specification, "The Exec key").
 */
export function execArgument(arg: string): string {
  const fieldSafe = arg.replaceAll('%', '%%');
  if (/^[\w/.:=+,@%-]+$/.test(fieldSafe)) return fieldSafe;
  // In the file: \\" for ", \\\\ for \ (two layers of escaping).
  return `"${fieldSafe.replace(/["`$\\]/g, (c) => (c === '\\' ? '\\'.repeat(4) : `\\\\${c}`))}"`;
}
