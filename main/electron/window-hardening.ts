import type { ExternalLinks } from './external-links.js';

/**
 * The Electron security checklist, as data and small functions so it can be tested without the
 * binary: isolated, sandboxed renderers without Node; no navigation away from the app page; no new
 * windows; external links only through {@link ExternalLinks}.
 */
export function secureWebPreferences(preload: string | undefined) {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    ...(preload === undefined ? {} : { preload }),
  } as const;
}

/** The parts of Electron's `WebContents` that hardening touches. */
export interface WebContentsLike {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: { preventDefault(): void }, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
}

/**
 * Blocks `window.open` and every navigation except within the app's own pages (`isAppPage`); a link
 * the broker produced opens in the system browser instead.
 */
export function hardenContents(
  contents: WebContentsLike,
  isAppPage: (url: string) => boolean,
  links: ExternalLinks,
  openExternal: (url: string) => unknown,
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (links.mayOpen(url)) void openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (isAppPage(url)) return;
    event.preventDefault();
    if (links.mayOpen(url)) void openExternal(url);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
