import type { ServerResponse } from 'node:http';

import {
  escapeHtml,
  type HtmlPage,
  type HtmlPageOptions,
  renderHtmlPage,
  sendHtmlPage,
} from '../net/html-page.js';
import { cliCommand } from '../runtime/cli-command.js';

/**
 * HTML of the broker's own authorization pages: the consent page a person sees before any token is
 * issued to a client (checklist CD-1), and the error page shown instead of redirecting when the
 * redirect target cannot be trusted (RED-1, CIMD-1). Every page is sent with anti-framing headers
 * (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`), a strict CSP that allows only this page's
 * own inline style (by nonce), no scripts at all, and `Cache-Control: no-store` (net/html-page.ts).
 */

export interface ConsentServer {
  name: string;
  scope: string;
  /** Pre-checked (asked for by the client). */
  requested: boolean;
}

export interface ConsentView {
  action: string;
  csrf: string;
  /** The short code the person approves this request by, in the window or the CLI. */
  requestCode: string;
  clientName: string;
  clientId: string;
  redirectHost: string;
  servers: ConsentServer[];
}

const STYLE =
  'body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'h1{font-size:1.4rem}code{background:#f3f3f3;padding:0 .25rem;border-radius:3px}' +
  'fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0}label{display:block;margin:.3rem 0}' +
  'button{font:inherit;padding:.45rem 1.2rem;margin-right:.6rem;border-radius:5px;border:1px solid #888}' +
  '.code{font-size:1.4rem;letter-spacing:.12em}.muted{color:#666;font-size:.9rem}';

export interface PageOptions {
  /** Reload the page after this many seconds (the waiting consent page polls itself; no script). */
  refreshSeconds?: number;
}

function consentHtmlPage(title: string, body: string, options: PageOptions): HtmlPage {
  const head =
    options.refreshSeconds === undefined
      ? undefined
      : `<meta http-equiv="refresh" content="${String(options.refreshSeconds)}">`;
  return { title, body, style: STYLE, ...(head === undefined ? {} : { head }) };
}

// Not no-referrer: with it Chromium sends `Origin: null` on the form POST, which the loopback
// Origin guard refuses. same-origin still sends no referrer to the client's redirect URI.
const HEADERS: HtmlPageOptions = { referrerPolicy: 'same-origin' };

/** A page's HTML and the broker's security headers for it. */
export function renderPage(
  title: string,
  body: string,
  options: PageOptions = {},
): { html: string; headers: Record<string, string> } {
  return renderHtmlPage(consentHtmlPage(title, body, options), HEADERS);
}

/** Sends a page with the broker's security headers. */
export function sendPage(
  res: ServerResponse,
  status: number,
  title: string,
  body: string,
  options: PageOptions = {},
): void {
  sendHtmlPage(res, status, consentHtmlPage(title, body, options), HEADERS);
}

/**
 * The waiting consent page: who asks, where the answer goes, which servers, and the request code to
 * approve in the person's own session. It has no Approve button (SEC-1: the requester could press
 * it); only Cancel, which ends the request with access_denied.
 */
export function consentPageBody(view: ConsentView): string {
  const servers = view.servers.length
    ? '<ul id="servers">' +
      view.servers
        .map(
          (s) =>
            `<li data-scope="${escapeHtml(s.scope)}"${s.requested ? ' data-requested' : ''}>` +
            `<strong>${escapeHtml(s.name)}</strong> <span class="muted">(${escapeHtml(s.scope)})` +
            `${s.requested ? '' : ' — not asked for'}</span></li>`,
        )
        .join('') +
      '</ul>'
    : '<p class="muted">No MCP servers are configured in the broker.</p>';
  const code = escapeHtml(view.requestCode);
  return (
    `<h1><span id="client-name">${escapeHtml(view.clientName)}</span> asks to use your MCP servers</h1>` +
    `<p>Client id: <code>${escapeHtml(view.clientId)}</code></p>` +
    `<p>After you answer, the browser returns to <strong id="redirect-host">${escapeHtml(view.redirectHost)}</strong>.</p>` +
    `<fieldset><legend>Servers asked for</legend>${servers}</fieldset>` +
    `<p>Request code: <code id="request-code" class="code">${code}</code></p>` +
    `<p>To approve or deny it, use your own MCP Auth Broker session: the broker window (or its ` +
    `notification), the browser-mode window, or a terminal:</p>` +
    `<p><code>${escapeHtml(cliCommand(`clients approve ${view.requestCode}`))}</code></p>` +
    `<p class="muted" id="waiting">Waiting for your answer… this page continues by itself.</p>` +
    `<form method="post" action="${escapeHtml(view.action)}">` +
    `<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">` +
    `<button type="submit" name="decision" value="deny">Cancel request</button></form>` +
    `<p class="muted">Only approve clients you started yourself, and check that the code matches. ` +
    `You can revoke access at any time with <code>${escapeHtml(cliCommand('clients revoke <id>'))}</code>.</p>`
  );
}

/** An error page: what went wrong, and that nothing was sent back to the client. */
export function errorPageBody(error: string, description: string): string {
  return (
    `<h1>Authorization request refused</h1><p><code id="error">${escapeHtml(error)}</code></p>` +
    `<p id="error-description">${escapeHtml(description)}</p>` +
    `<p class="muted">The MCP Auth Broker did not redirect back to the client, because the request ` +
    `could not be trusted. Close this tab and try again from the client.</p>`
  );
}
