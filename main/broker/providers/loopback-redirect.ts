import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BrokerError } from '../base/errors.js';
import { escapeHtml, sendHtmlPage } from '../net/html-page.js';

/**
 * The redirect target of a native app's browser sign-in: an HTTP listener on 127.0.0.1 (never
 * `localhost`, never all interfaces), on an ephemeral port unless the provider needs a registered one.
 * It takes the first request to `/callback`, hands its URL to the flow, and answers it with the page
 * the flow chooses ("you can close this tab").
 *
 * @see RFC 8252 §7.3, §8.3
 */
export interface LoopbackRedirect {
  redirectUri: string;
  /** The callback URL, once the browser arrives; `respond` answers that request. */
  callback: Promise<{ url: URL; respond: (ok: boolean, text: string) => void }>;
  close(): void;
}

const STYLE = 'body{font-family:sans-serif;margin:3em}';

function send(res: ServerResponse, status: number, ok: boolean, text: string): void {
  const title = ok ? 'Signed in' : 'Sign-in failed';
  const body =
    `<h1>${title}</h1><p>${escapeHtml(text)}</p>` +
    '<p>You can close this tab and return to the terminal.</p>';
  sendHtmlPage(
    res,
    status,
    { title: `${title} - MCP Auth Broker`, body, style: STYLE },
    { headers: { connection: 'close' } },
  );
}

/** Listens on 127.0.0.1:`port` (0 = ephemeral); a taken fixed port fails with PORT_IN_USE. */
export async function listenForRedirect(port: number, providerId: string): Promise<LoopbackRedirect> {
  let deliver: (value: Awaited<LoopbackRedirect['callback']>) => void = () => undefined;
  const callback = new Promise<Awaited<LoopbackRedirect['callback']>>((resolve) => (deliver = resolve));
  let taken = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${String(req.socket.localPort ?? port)}`);
    if (req.method !== 'GET' || url.pathname !== '/callback' || taken) {
      send(res, 404, false, 'Nothing here.');
      return;
    }
    taken = true;
    deliver({ url, respond: (ok, text) => send(res, ok ? 200 : 400, ok, text) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') {
        reject(error);
        return;
      }
      reject(
        new BrokerError(
          'PORT_IN_USE',
          `Port ${String(port)} on 127.0.0.1 is taken, and provider "${providerId}" requires exactly that redirect port. Close the program using it (e.g. another sign-in) and try again.`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://127.0.0.1:${String(actual)}/callback`,
    callback,
    close: () => {
      // Let the answer page finish; the `connection: close` header ends its socket.
      server.close();
      server.closeIdleConnections();
      setTimeout(() => {
        server.closeAllConnections();
      }, 2000).unref();
    },
  };
}
