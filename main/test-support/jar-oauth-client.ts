import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { BrowserJar, requestCodeOf, type WalkEnd } from './authz-test-kit.js';
import { StoredOAuthClient } from './stored-oauth-client.js';

/** What the person does once the consent page shows `requestCode`: answer it from their session. */
export type PersonAtKeyboard = (requestCode: string) => Promise<void>;

const REDIRECT = 'http://127.0.0.1:7777/callback';

/**
 * The MCP SDK's OAuth client side with a raw-HTTP browser (cookie jar over fetch): its browser step
 * opens the authorization URL, lands on the broker's waiting consent page, lets `person` answer the
 * request code shown there, then reloads the page as its meta refresh does until the broker
 * redirects back to the client.
 */
export class JarOAuthProvider extends StoredOAuthClient {
  /** Where the browser ended: the redirect back to the client. */
  end: URL | undefined;
  /** The request code the consent page showed. */
  requestCode = '';

  constructor(
    private readonly issuer: string,
    private readonly person: PersonAtKeyboard,
  ) {
    super('SDK jar client', REDIRECT);
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    const jar = new BrowserJar(this.issuer);
    const page = await jar.walk(url.href);
    if (page.kind !== 'page') throw new Error(`expected the consent page, got ${page.location.href}`);
    this.requestCode = requestCodeOf(page.html);
    await this.person(this.requestCode);
    let end: WalkEnd = page;
    for (let i = 0; i < 20 && end.kind === 'page'; i++) {
      end = await jar.walk(page.url);
      if (end.kind === 'page') await new Promise((r) => setTimeout(r, 100));
    }
    if (end.kind !== 'redirect')
      throw new Error(`the consent page never continued: ${end.html.slice(0, 300)}`);
    this.end = end.location;
  }
}

/**
 * Runs an SDK client against `mcpUrl` through the whole OAuth dance (401 → discovery → registration
 * → authorization with `person` answering → token), then lists the tools it may call. Resolves with
 * the provider and the tool names, or rejects with the authorization's error.
 */
export async function sdkClientFlow(
  issuer: string,
  person: PersonAtKeyboard,
): Promise<{ provider: JarOAuthProvider; tools: string[] }> {
  const mcpUrl = new URL(`${issuer}/mcp`);
  const provider = new JarOAuthProvider(issuer, person);
  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  const unauthorized = await new Client({ name: 'sdk-jar', version: '1' }).connect(first).then(
    () => false,
    (error: unknown) => {
      if (!(error instanceof UnauthorizedError)) throw error;
      return true;
    },
  );
  if (!unauthorized) throw new Error('the first connect should have needed authorization');
  const error = provider.end?.searchParams.get('error');
  const withCode = provider.end?.searchParams.has('code') === true ? ' (and a code)' : '';
  if (error) throw new Error(`authorization ended with ${error}${withCode}`);
  await first.finishAuth(provider.end?.searchParams.get('code') ?? '');
  const client = new Client({ name: 'sdk-jar', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  const tools = (await client.listTools()).tools.map((t) => t.name);
  await client.close();
  return { provider, tools };
}
