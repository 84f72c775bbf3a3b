// Entry of the desktop app (Electron main process). It only translates: lifecycle, tray, window and
// IPC → calls into the broker core, which it hosts in-process (or attaches to, see broker-host.ts).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, shell, Tray } from 'electron';

import { createLogger } from '../broker/base/logger.js';
import { locations } from '../broker/runtime/paths.js';
import { SecretRedactor } from '../broker/secrets/secret-redactor.js';
import type { Status } from '../contract/status.js';
import type { ProviderList } from '../contract/window-api.js';
import { type BrokerHost, hostOrAttach } from './broker-host.js';
import { ConsentNotifier } from './consent-notifier.js';
import { ExternalLinks } from './external-links.js';
import { EVENT_CHANNEL } from './ipc-channels.js';
import { registerBrokerIpc, trustedSender } from './ipc-handlers.js';
import { LaunchAtLogin, type LoginItemsLike, xdgAutostart } from './launch-at-login.js';
import { SignInWindows, traySignIn } from './sign-in-window.js';
import { TRAY_ICON_PNG_BASE64 } from './tray-icon.js';
import { type TrayActions, trayTemplate } from './tray-menu.js';
import { hardenContents, secureWebPreferences } from './window-hardening.js';

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER_INDEX = join(DIST, 'renderer', 'index.html');
const RENDERER_URL = pathToFileURL(RENDERER_INDEX).href;
const PRELOAD = join(DIST, 'preload', 'broker-bridge.cjs');

const links = new ExternalLinks();
const openExternal = (url: string) => shell.openExternal(url);
// Device-code sign-ins from the tray: small windows on `#/sign-in/<provider>`.
const signIns = new SignInWindows({
  createWindow: (options) => new BrowserWindow(options),
  ...{ rendererIndex: RENDERER_INDEX, rendererUrl: RENDERER_URL, preload: PRELOAD, links, openExternal },
});
let launchAtLogin: LaunchAtLogin | undefined;
let host: BrokerHost | undefined;
let window: BrowserWindow | undefined;
let tray: Tray | undefined;
let status: Status | undefined;
let providers: ProviderList | undefined;

function isAppPage(url: string): boolean {
  if (host?.mode === 'attached') return url.startsWith(`${host.origin}/ui/`);
  return url.split('#')[0] === RENDERER_URL;
}

function openWindow(screen?: string): void {
  if (window && !window.isDestroyed()) {
    if (screen) void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#/${screen}`)}`);
    window.show();
    window.focus();
    return;
  }
  const hosted = host?.mode === 'hosted';
  window = new BrowserWindow({
    width: 1120,
    height: 780,
    show: false,
    title: 'MCP Auth Broker',
    webPreferences: secureWebPreferences(hosted ? PRELOAD : undefined),
  });
  hardenContents(window.webContents, isAppPage, links, (url) => shell.openExternal(url));
  window.once('ready-to-show', () => window?.show());
  const hash = screen ? `/${screen}` : '';
  if (host?.mode === 'attached') void window.loadURL(host.loginUrl);
  else void window.loadFile(RENDERER_INDEX, hash ? { hash } : {});
}

async function refreshTray(): Promise<void> {
  if (host?.mode !== 'hosted') return;
  const api = host.api;
  status = await api.getStatus({});
  providers = await api.listProviders({});
  const actions: TrayActions = {
    openWindow,
    // Device flow: a small window with the code, Copy, Open browser and a countdown; PKCE: the browser.
    signIn: (provider) =>
      void traySignIn(provider, {
        signIn: api.signIn,
        links,
        openExternal,
        showWindow: (p) => signIns.show(p),
      }),
    signOut: (account) => void api.signOut({ account }).then(refreshTray),
    setPaused: (paused) => void api.pauseAllServers({ paused }).then(refreshTray),
    setLaunchAtLogin: (enabled) => {
      launchAtLogin?.set(enabled);
      void refreshTray();
    },
    quit: () => void quit(),
  };
  const launch = launchAtLogin?.enabled ?? false;
  tray?.setContextMenu(
    Menu.buildFromTemplate(trayTemplate({ status, providers, launchAtLogin: launch }, actions)),
  );
}

/** Electron's login items on macOS and Windows; an XDG autostart entry on Linux, which has none. */
function loginItems(): LoginItemsLike {
  if (process.platform !== 'linux') return app;
  const appImage = process.env['APPIMAGE'];
  const exec = appImage
    ? [appImage]
    : app.isPackaged
      ? [process.execPath]
      : [process.execPath, app.getAppPath()];
  const configHome = process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config');
  return xdgAutostart({ configHome, name: 'mcp-auth-broker', exec });
}

/** Stops the hosted broker (its servers end with it), then the app. */
async function quit(): Promise<void> {
  const closing = host;
  host = undefined;
  await closing?.close();
  app.exit(0);
}

async function start(): Promise<void> {
  await app.whenReady();
  const redactor = new SecretRedactor();
  const paths = locations({}, process.env);
  host = await hostOrAttach({ ...paths, logger: createLogger({ redactor }), redactor });
  launchAtLogin = new LaunchAtLogin(paths.dataDir, loginItems());
  launchAtLogin.apply();
  tray = new Tray(nativeImage.createFromDataURL(`data:image/png;base64,${TRAY_ICON_PNG_BASE64}`));
  tray.setToolTip('MCP Auth Broker');
  tray.on('click', () => openWindow());
  if (host.mode === 'hosted') {
    const api = host.api;
    links.allow(host.broker.url);
    // Sign-in pages the broker produced may open in the system browser (shell.openExternal).
    const handlers = {
      ...api,
      signIn: async (input: { provider: string }) => {
        const started = await api.signIn(input);
        for (const url of [started.verificationUri, started.verificationUriComplete])
          if (url) links.allow(url);
        return started;
      },
    };
    const fromMainWindow = trustedSender(() => window?.webContents.id, RENDERER_URL);
    registerBrokerIpc(
      ipcMain,
      handlers,
      (event) => fromMainWindow(event) || signIns.trusts(event),
      (text) => redactor.redact(text),
    );
    const consents = new ConsentNotifier({
      ...{ brokerUrl: host.broker.url, openWindow },
      createNotification: Notification.isSupported() ? (options) => new Notification(options) : undefined,
    });
    api.onEvent((event) => {
      if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
      for (const small of signIns.windows()) small.webContents.send(EVENT_CHANNEL, event);
      consents.handle(event);
      if (event.type === 'status') void refreshTray();
    });
    await refreshTray();
  } else {
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Attached to the running broker', enabled: false },
        { label: 'Open window', click: () => openWindow() },
        { label: 'Quit', click: () => void quit() },
      ]),
    );
  }
  openWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => openWindow());
  // A tray app keeps running with its window closed; Quit in the tray ends it.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (!host) return;
    event.preventDefault();
    void quit();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  start().catch((error: unknown) => {
    process.stderr.write(
      `MCP Auth Broker could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    app.exit(1);
  });
}
