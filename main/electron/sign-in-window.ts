import type { ApiOutput } from '../contract/window-api.js';
import type { ExternalLinks } from './external-links.js';
import { type IpcInvokeEventLike, trustedSender } from './ipc-handlers.js';
import { hardenContents, secureWebPreferences, type WebContentsLike } from './window-hardening.js';

/** The renderer route of the small sign-in window. */
export function signInRoute(provider: string): string {
  return `/sign-in/${encodeURIComponent(provider)}`;
}

/** Options of the small device-code window (Electron `BrowserWindowConstructorOptions`). */
export function signInWindowOptions(preload: string) {
  return {
    width: 420,
    height: 400,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    show: false,
    title: 'Sign in — MCP Auth Broker',
    webPreferences: secureWebPreferences(preload),
  };
}

/** The parts of Electron's `BrowserWindow` the sign-in windows use. */
export interface SignInWindowLike {
  readonly webContents: WebContentsLike & { id: number; send(channel: string, payload: unknown): void };
  loadFile(path: string, options: { hash: string }): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  show(): void;
  focus(): void;
  isDestroyed(): boolean;
}

export interface SignInWindowsDeps {
  createWindow(options: ReturnType<typeof signInWindowOptions>): SignInWindowLike;
  /** `dist/renderer/index.html` and its `file:` URL. */
  rendererIndex: string;
  rendererUrl: string;
  preload: string;
  links: ExternalLinks;
  openExternal(url: string): unknown;
}

/**
 * The small device-code windows (one per provider): the app's renderer on `#/sign-in/<provider>`,
 * hardened like the main window, trusted for IPC only while open and only on the app's page.
 */
export class SignInWindows {
  private readonly open = new Map<string, SignInWindowLike>();

  constructor(private readonly deps: SignInWindowsDeps) {}

  /** Shows the provider's sign-in window, focusing the one already open. */
  show(provider: string): SignInWindowLike {
    const existing = this.open.get(provider);
    if (existing && !existing.isDestroyed()) {
      existing.show();
      existing.focus();
      return existing;
    }
    const window = this.deps.createWindow(signInWindowOptions(this.deps.preload));
    const isAppPage = (url: string) => url.split('#')[0] === this.deps.rendererUrl;
    hardenContents(window.webContents, isAppPage, this.deps.links, (url) => this.deps.openExternal(url));
    this.open.set(provider, window);
    window.on('closed', () => {
      if (this.open.get(provider) === window) this.open.delete(provider);
    });
    window.once('ready-to-show', () => window.show());
    void window.loadFile(this.deps.rendererIndex, { hash: signInRoute(provider) });
    return window;
  }

  /** True when an IPC message comes from one of these windows, showing the app's page. */
  trusts(event: IpcInvokeEventLike): boolean {
    return this.windows().some((w) => trustedSender(() => w.webContents.id, this.deps.rendererUrl)(event));
  }

  /** The open windows (live events go to each). */
  windows(): SignInWindowLike[] {
    return [...this.open.values()].filter((w) => !w.isDestroyed());
  }
}

export interface TraySignInDeps {
  signIn(input: { provider: string }): Promise<ApiOutput<'signIn'>>;
  links: ExternalLinks;
  openExternal(url: string): unknown;
  showWindow(provider: string): unknown;
}

/**
 * The tray's "Sign in…": starts the provider's sign-in in the broker. A device flow (RFC 8628 §3.3)
 * opens the small window with the user code; a browser flow (authorization code + PKCE, RFC 7636)
 * opens the provider's page in the system browser. Either way only URLs the broker produced are
 * allowed for `shell.openExternal`. A sign-in that cannot start opens the window too, which shows why.
 */
export async function traySignIn(provider: string, deps: TraySignInDeps): Promise<'window' | 'browser'> {
  let started: ApiOutput<'signIn'>;
  try {
    started = await deps.signIn({ provider });
  } catch {
    deps.showWindow(provider);
    return 'window';
  }
  for (const url of [started.verificationUri, started.verificationUriComplete])
    if (url) deps.links.allow(url);
  if (started.userCode === undefined && started.verificationUri !== undefined) {
    if (deps.links.mayOpen(started.verificationUri)) void deps.openExternal(started.verificationUri);
    return 'browser';
  }
  deps.showWindow(provider);
  return 'window';
}
