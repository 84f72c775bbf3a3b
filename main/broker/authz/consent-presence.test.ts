import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authorizeUrl,
  BrowserJar,
  pkcePair,
  registerClient,
  requestCodeOf,
  startTestAuthzServer,
  type TestAuthzServer,
  type WalkEnd,
} from '../../test-support/authz-test-kit.js';

let srv: TestAuthzServer;
const REDIRECT = 'http://127.0.0.1:7777/callback';

beforeEach(async () => {
  srv = await startTestAuthzServer({ servers: ['alpha', 'beta'] });
});
afterEach(async () => {
  await srv.close();
});

/** What any local process can do: register, start an authorization, land on the consent page. */
async function attackerAtConsentPage(): Promise<{ jar: BrowserJar; page: WalkEnd & { kind: 'page' } }> {
  const reg = await registerClient(srv.issuer, { client_name: 'Totally Cursor', redirect_uris: [REDIRECT] });
  const jar = new BrowserJar(srv.issuer);
  const page = await jar.walk(
    authorizeUrl(srv.issuer, {
      client_id: String(reg.body['client_id']),
      redirect_uri: REDIRECT,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      state: 'attack',
      scope: 'mcp:servers:alpha mcp:servers:beta',
    }),
  );
  if (page.kind !== 'page') throw new Error(`expected the consent page, got ${page.location.href}`);
  return { jar, page };
}

function codeIn(end: WalkEnd): string | null {
  return end.kind === 'redirect' ? end.location.searchParams.get('code') : null;
}

describe('consent needs the person, not the requester', () => {
  it('SEC-1 raw-HTTP self-approval with the page’s own CSRF value gets no code', async () => {
    const { jar, page } = await attackerAtConsentPage();
    const action = /<form[^>]*action="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
    expect(action).not.toBe('');
    const form = new URLSearchParams({ csrf, decision: 'approve' });
    form.append('scope', 'mcp:servers:alpha');
    form.append('scope', 'mcp:servers:beta');
    const posted = await jar.walk(new URL(action, page.url).href, { method: 'POST', body: form });
    expect(codeIn(posted)).toBeNull();
    // Nor does reloading the page (the continuation) yield one: nobody approved.
    const again = await jar.walk(page.url);
    expect(codeIn(again)).toBeNull();
    expect(srv.events.some((e) => e.type === 'consent.granted')).toBe(false);
  });

  it('SEC-1 an approved request continues only in the browser that started it, once', async () => {
    const { jar, page } = await attackerAtConsentPage();
    srv.as.pendingConsents.approve(requestCodeOf(page.html), 'cli', ['mcp:servers:alpha']);
    // Another browser (no interaction cookie) reaching the same page gets nothing.
    const stranger = await new BrowserJar(srv.issuer).walk(page.url);
    expect(codeIn(stranger)).toBeNull();
    expect(stranger.kind === 'page' && stranger.status).toBe(400);
    const owner = await jar.walk(page.url);
    expect(codeIn(owner)).toBeTruthy();
    expect(owner.kind === 'redirect' && owner.location.searchParams.get('state')).toBe('attack');
    // The decision is handed out once: a replay of the page gets no second code.
    expect(codeIn(await jar.walk(page.url))).toBeNull();
  });
});
