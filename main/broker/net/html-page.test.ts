import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { escapeHtml, renderHtmlPage, sendHtmlPage } from './html-page.js';

describe('escapeHtml', () => {
  it('escapes all five HTML-significant characters and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a> ok`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt; ok',
    );
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('renderHtmlPage', () => {
  it('escapes the title, keeps the body, and nonces the style and script into a strict CSP', () => {
    const { html, headers } = renderHtmlPage({
      title: '<Title>',
      body: '<p>hi</p>',
      style: 'p{}',
      script: 'void 0',
    });
    const nonce = /<style nonce="([^"]+)">p\{\}<\/style>/.exec(html)?.[1] ?? '';
    expect(nonce.length).toBeGreaterThan(10);
    expect(html).toContain(`<script nonce="${nonce}">void 0</script>`);
    expect(html).toContain('<title>&lt;Title&gt;</title>');
    expect(html).toContain('<body><p>hi</p></body>');
    expect(headers['content-security-policy']).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(headers).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
  });

  it('a page without style or script allows neither; a fresh nonce per page; options override', () => {
    const plain = renderHtmlPage({ title: 't', body: '' });
    expect(plain.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    const a = renderHtmlPage({ title: 't', body: '', style: '' }).headers['content-security-policy'];
    const b = renderHtmlPage({ title: 't', body: '', style: '' }).headers['content-security-policy'];
    expect(a).not.toBe(b);
    const custom = renderHtmlPage(
      { title: 't', body: '' },
      { csp: () => "default-src 'self'", referrerPolicy: 'same-origin', headers: { 'x-extra': '1' } },
    );
    expect(custom.headers).toMatchObject({
      'content-security-policy': "default-src 'self'",
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'x-extra': '1',
    });
  });
});

describe('sendHtmlPage', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('sends the status, the security headers, the HTML type and its length', async () => {
    server = createServer((_req, res) => {
      sendHtmlPage(res, 403, { title: 'Refused', body: `<p>${escapeHtml('a & b')}</p>` });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const reply = await fetch(`http://127.0.0.1:${String(port)}/`);
    const text = await reply.text();
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(reply.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(text).toContain('<p>a &amp; b</p>');
  });
});
