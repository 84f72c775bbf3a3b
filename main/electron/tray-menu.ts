import type { Status } from '../contract/status.js';
import type { ProviderList } from '../contract/window-api.js';

/** A tray menu item as plain data (mapped 1:1 onto Electron's MenuItemConstructorOptions). */
export interface TrayItem {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
  submenu?: TrayItem[];
}

export interface TrayActions {
  openWindow(screen?: string): void;
  signIn(provider: string): void;
  signOut(account: string): void;
  setPaused(paused: boolean): void;
  setLaunchAtLogin(enabled: boolean): void;
  quit(): void;
}

/** One line: "3/4 servers running" or why not. */
export function statusLine(status: Status | undefined): string {
  if (!status) return 'Broker starting…';
  if (status.broker.paused === true) return 'All servers paused';
  const running = status.servers.filter((s) => s.state === 'running').length;
  const failed = status.servers.filter((s) => s.state === 'failed' || s.state === 'crashed').length;
  return `${String(running)}/${String(status.servers.length)} servers running${failed > 0 ? ` · ${String(failed)} need attention` : ''}`;
}

function providerItems(providers: ProviderList | undefined, actions: TrayActions): TrayItem[] {
  if (!providers?.available || providers.providers.length === 0) {
    return [{ label: 'Providers: none configured', enabled: false }];
  }
  return providers.providers.map((p) => ({
    label: p.accounts.length > 0 ? `${p.name} (${p.accounts.map((a) => a.label).join(', ')})` : p.name,
    submenu: [
      { label: 'Sign in…', click: () => actions.signIn(p.id) },
      ...p.accounts.map((a) => ({ label: `Sign out ${a.label}`, click: () => actions.signOut(a.id) })),
    ],
  }));
}

/** The tray menu: status, providers (sign in / out), open window, pause, launch at login, quit. */
export function trayTemplate(
  state: { status: Status | undefined; providers: ProviderList | undefined; launchAtLogin: boolean },
  actions: TrayActions,
): TrayItem[] {
  const paused = state.status?.broker.paused === true;
  return [
    { label: statusLine(state.status), enabled: false },
    { type: 'separator' },
    ...providerItems(state.providers, actions),
    { type: 'separator' },
    { label: 'Open window', click: () => actions.openWindow() },
    { label: 'Audit log', click: () => actions.openWindow('audit') },
    { label: paused ? 'Resume all servers' : 'Pause all servers', click: () => actions.setPaused(!paused) },
    {
      label: 'Launch at login',
      type: 'checkbox',
      checked: state.launchAtLogin,
      click: () => actions.setLaunchAtLogin(!state.launchAtLogin),
    },
    { type: 'separator' },
    { label: 'Quit', click: () => actions.quit() },
  ];
}
