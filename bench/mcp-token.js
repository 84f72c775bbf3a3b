// An OAuth access token for the running broker's own `/mcp`, obtained the way an HTTP MCP client
// gets one: dynamic registration, an authorization request with PKCE, the consent page, the code
// exchange. The person's approval comes from their own session: `mcp-auth-broker clients approve
// CODE` over the 0600 control socket (SEC-1), exactly as documented; nothing is bypassed.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';

import { CLI } from './lib.js';

const REDIRECT_URI = 'http://127.0.0.1:7777/callback';

/** A cookie-keeping fetch walk that follows the broker's own redirects; stops at a page or a redirect away. */
async function walk(jar, origin, url) {
  let next = url;
  for (let hops = 0; hops < 10; hops++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(next, { redirect: 'manual', headers: { cookie } });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const target = new URL(location, next);
      if (target.origin !== origin) return { redirect: target };
      next = target.href;
      continue;
    }
    return { url: next, status: res.status, html: await res.text() };
  }
  throw new Error('too many redirects');
}

/** `mcp-auth-broker clients approve CODE` against the broker at `home`. */
function approveFromCli(home, code) {
  return new Promise((resolve, reject) => {
    const args = [CLI, 'clients', 'approve', code, '--config', home.configPath, '--data-dir', home.dataDir];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (c) =>
      c === 0 ? resolve() : reject(new Error(`clients approve exited ${c}: ${out}`)),
    );
  });
}

/** A token for `${origin}/mcp` granting `servers`. */
export async function obtainMcpToken(origin, home, servers) {
  const reg = await fetch(`${origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'bench',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
    }),
  });
  const clientId = (await reg.json()).client_id;
  if (typeof clientId !== 'string') throw new Error(`registration failed (${reg.status})`);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const resource = `${origin}/mcp`;
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'bench',
    resource,
    scope: servers.map((s) => `mcp:servers:${s}`).join(' '),
  });
  const jar = new Map();
  const page = await walk(jar, origin, `${origin}/oauth/authorize?${query.toString()}`);
  let end = page;
  if (!page.redirect) {
    const code = /id="request-code"[^>]*>([A-Z0-9-]+)</.exec(page.html)?.[1];
    if (!code) throw new Error(`no request code on the consent page (${page.status})`);
    await approveFromCli(home, code);
    end = await walk(jar, origin, page.url);
  }
  const code = end.redirect?.searchParams.get('code');
  if (!code) throw new Error('no authorization code after consent');
  const res = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource,
    }),
  });
  const token = (await res.json()).access_token;
  if (typeof token !== 'string') throw new Error(`token exchange failed (${res.status})`);
  return token;
}
