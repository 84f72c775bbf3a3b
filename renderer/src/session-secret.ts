/**
 * Browser mode's per-session secret on the page side (see main/broker/window/ui-session.ts): held in
 * memory only, never in a cookie, storage or the URL. The login page carries it in a `<meta>`; a
 * window that page opens (the tray's small sign-in window) asks its opener for it by `postMessage`,
 * and only same-origin windows the holder opened itself get an answer.
 */
const SESSION_META = 'mab-session';
const REQUEST = 'mab-session-request';
const REPLY = 'mab-session-reply';
/** How long a window opened by the signed-in window waits for the secret. */
const OPENER_TIMEOUT_MS = 3000;

/**
 * Takes the secret the login page carries into memory: removes its `<meta>` and puts the used
 * login link out of the address bar (`/ui/login?token=…` → `/ui/`). Undefined after a reload.
 */
export function takeSessionSecret(doc: Document = document): string | undefined {
  const meta = doc.querySelector<HTMLMetaElement>(`meta[name="${SESSION_META}"]`);
  const secret = meta?.content;
  meta?.remove();
  const { location, defaultView } = doc;
  if (location.pathname.endsWith('/ui/login'))
    defaultView?.history.replaceState(null, '', `./${location.hash}`);
  return secret || undefined;
}

/** Answers same-origin windows this window opened, and only those, with the secret. */
export function shareSessionSecret(secret: string, win: Window = window): void {
  win.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.origin !== win.location.origin || event.data !== REQUEST) return;
    const source = event.source as Window | null;
    if (source?.opener !== win) return;
    source.postMessage({ type: REPLY, secret }, win.location.origin);
  });
}

/** The secret from the window that opened this one, or undefined (no opener, or no answer in 3 s). */
export function secretFromOpener(win: Window = window): Promise<string | undefined> {
  const opener = win.opener as Window | null;
  if (!opener) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (secret: string | undefined) => {
      clearTimeout(timer);
      win.removeEventListener('message', onMessage);
      resolve(secret);
    };
    const onMessage = (event: MessageEvent<unknown>) => {
      if (event.origin !== win.location.origin || event.source !== opener) return;
      const data = event.data as { type?: unknown; secret?: unknown } | null;
      if (data?.type === REPLY && typeof data.secret === 'string') done(data.secret);
    };
    const timer = setTimeout(() => done(undefined), OPENER_TIMEOUT_MS);
    win.addEventListener('message', onMessage);
    opener.postMessage(REQUEST, win.location.origin);
  });
}
