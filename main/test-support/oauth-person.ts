import { CookieJar } from './cookie-jar.js';

/**
 * The person in front of the browser, as a tiny cookie-jar HTTP client: follows redirects, fills in
 * the first form of each page (the user code, any login name, the consent) and submits it, until a
 * page without a form (e.g. the broker's "you can close this tab" page). Used against oidc-provider's
 * `devInteractions` pages; no browser needed.
 */
export interface PersonOptions {
  /** Typed into a `user_code` field. */
  userCode?: string;
  /** Press "Abort" on the device confirmation page instead of continuing. */
  deny?: boolean;
  login?: string;
  /** Rewrites a redirect target before following it (to tamper with a callback, as an attacker would). */
  rewriteRedirect?: (url: URL) => URL;
}

export interface PersonResult {
  url: string;
  status: number;
  text: string;
}

interface ParsedForm {
  action: string;
  method: string;
  fields: Record<string, string>;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`, 'i').exec(tag)?.[1];
}

function parseForm(html: string): ParsedForm | undefined {
  const form = /<form([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').match(/<input[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name !== undefined) fields[name] = attribute(input, 'value') ?? '';
  }
  const tag = form[1] ?? '';
  return { action: attribute(tag, 'action') ?? '', method: attribute(tag, 'method') ?? 'post', fields };
}

function fill(form: ParsedForm, options: PersonOptions): URLSearchParams {
  const fields = { ...form.fields };
  if ('user_code' in fields && options.userCode !== undefined) fields['user_code'] = options.userCode;
  if ('login' in fields) fields['login'] = options.login ?? 'alice';
  if ('password' in fields) fields['password'] = 'any-password';
  if (options.deny === true && 'confirm' in fields) {
    delete fields['confirm'];
    fields['abort'] = 'yes';
  }
  return new URLSearchParams(fields);
}

/** Walks from `startUrl` through the provider's pages; returns the last page. At most 20 steps. */
export async function actAsPerson(startUrl: string, options: PersonOptions = {}): Promise<PersonResult> {
  const jar = new CookieJar();
  let url = startUrl;
  let init: RequestInit = { method: 'GET' };
  let aborted = false;
  for (let step = 0; step < 20; step += 1) {
    const headers = new Headers(init.headers);
    headers.set('cookie', jar.header());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, url);
      url = (options.rewriteRedirect?.(target) ?? target).href;
      init = { method: 'GET' };
      await response.arrayBuffer();
      continue;
    }
    const text = await response.text();
    const form = parseForm(text);
    if (!form || aborted) return { url, status: response.status, text };
    url = new URL(form.action, url).href;
    const body = fill(form, options);
    aborted = body.has('abort');
    init = {
      method: form.method.toUpperCase(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    };
  }
  throw new Error(`the person gave up after 20 pages at ${url}`);
}
