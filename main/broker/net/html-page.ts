import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * The one renderer of the broker's own HTML pages (consent and authorization errors, browser-mode
 * notices, the provider sign-in redirect page). Every page goes out with the same security headers:
 * a CSP with `frame-ancestors 'none'` plus `X-Frame-Options: DENY` (never framed), `nosniff` and
 * `Cache-Control: no-store`. By default the CSP allows nothing but this page's own nonce'd `<style>`
 * and `<script>` (when it has them); a caller with other needs passes its own policy.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export interface HtmlPage {
  /** Plain text (escaped here). */
  title: string;
  /** The body's HTML, its text already escaped by the caller. */
  body: string;
  /** Trusted extra elements for `<head>` (a `<meta>`), after the title. */
  head?: string;
  /** CSS of a nonce'd `<style>`. */
  style?: string;
  /** JavaScript of a nonce'd `<script>`. */
  script?: string;
}

export interface HtmlPageOptions {
  /** The page's CSP from its nonce; by default {@link strictPageCsp}. */
  csp?: (nonce: string) => string;
  /** `no-referrer` by default. */
  referrerPolicy?: 'no-referrer' | 'same-origin';
  /** Further headers (a cookie, `connection: close`, …). */
  headers?: Record<string, string>;
}

/** `default-src 'none'`: only the page's own nonce'd style and script, no framing, no `<base>`. */
export function strictPageCsp(nonce: string, page: Pick<HtmlPage, 'style' | 'script'>): string {
  return [
    "default-src 'none'",
    ...(page.script === undefined ? [] : [`script-src 'nonce-${nonce}'`]),
    ...(page.style === undefined ? [] : [`style-src 'nonce-${nonce}'`]),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** A page's HTML and its headers (for callers that send it themselves, e.g. through Koa). */
export function renderHtmlPage(
  page: HtmlPage,
  options: HtmlPageOptions = {},
): { html: string; headers: Record<string, string> } {
  const nonce = randomBytes(16).toString('base64');
  const style = page.style === undefined ? '' : `<style nonce="${nonce}">${page.style}</style>`;
  const script = page.script === undefined ? '' : `<script nonce="${nonce}">${page.script}</script>`;
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>` +
    `${page.head ?? ''}<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `${style}${script}</head><body>${page.body}</body></html>`;
  return {
    html,
    headers: {
      'content-security-policy': options.csp ? options.csp(nonce) : strictPageCsp(nonce, page),
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': options.referrerPolicy ?? 'no-referrer',
      'cache-control': 'no-store',
      ...options.headers,
    },
  };
}

/** Sends a page with its security headers. */
export function sendHtmlPage(
  res: ServerResponse,
  status: number,
  page: HtmlPage,
  options: HtmlPageOptions = {},
): void {
  const { html, headers } = renderHtmlPage(page, options);
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
  });
  res.end(html);
}
