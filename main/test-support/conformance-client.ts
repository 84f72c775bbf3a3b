import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';

import { systemClock } from '../broker/base/clock.js';
import { BrokerError, messageOf } from '../broker/base/errors.js';
import { silentLogger } from '../broker/base/logger.js';
import type { RemoteServerConfig } from '../broker/config/remote-server-config.js';
import { ProviderService } from '../broker/providers/provider-service.js';
import { MemorySecretStore } from '../broker/secrets/memory-secret-store.js';
import { SecretRedactor } from '../broker/secrets/secret-redactor.js';
import type { Fetch } from '../broker/upstream-oauth/authorization-discovery.js';
import { authorizedFetch, type RemoteTokenSource } from '../broker/upstream-oauth/authorized-fetch.js';
import { remoteAccountId, RemoteAuthorizations } from '../broker/upstream-oauth/remote-authorizations.js';
import { makeTempDir } from './temp-dir.js';

/**
 * The broker as the client under test of the official MCP conformance suite's client scenarios
 * (`npx @modelcontextprotocol/conformance client --command "<this>" --scenario auth/…`). The harness
 * appends the MCP server URL as the last argument and names the scenario in
 * `MCP_CONFORMANCE_SCENARIO` (extra data in `MCP_CONFORMANCE_CONTEXT`).
 *
 * Nothing here re-implements the client side of MCP authorization: it composes what the broker runs
 * for a `"auth": "oauth"` remote server — RemoteAuthorizations (discovery, CL-4 client identity),
 * authorizedFetch (token, 401 refresh, 403 step-up), and the ProviderService browser sign-in of
 * `login --server` (PKCE S256, `state`, `iss`, `resource`, the loopback redirect listener). The
 * "person" follows the authorization URL with fetch; the harness's authorization server approves at
 * once by redirecting to the broker's loopback listener.
 *
 * Run: `node --import ./scripts/register-ts.js main/test-support/conformance-client.ts <url>`.
 * Exit code 0 when it connected, listed and called a tool; 1 otherwise (the reason on stderr).
 */

const SERVER = 'conformance';
/** How many sign-ins one run may need: the first, plus one step-up (CL-7). */
const MAX_SIGN_INS = 3;
/** The CIMD URL the harness expects as `client_id` when its AS supports client ID metadata documents. */
const CIMD_URL = 'https://conformance-test.local/client-metadata.json';

/**
 * The part of `MCP_CONFORMANCE_CONTEXT` the broker can use: a pre-registered client id, with a
 * secret or a private key (issue 13.1), for a person or as a machine client (13.2).
 */
const ContextSchema = z.object({
  name: z.string().optional(),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  private_key_pem: z.string().min(1).optional(),
});
type ConformanceContext = z.infer<typeof ContextSchema>;

function scenarioContext(): ConformanceContext {
  const text = process.env.MCP_CONFORMANCE_CONTEXT;
  if (text === undefined || text === '') return {};
  return ContextSchema.parse(JSON.parse(text));
}

/** The broker config entry for the server under test (what a user would write). */
function serverEntry(url: string, context: ConformanceContext): RemoteServerConfig {
  const base = { url, transport: 'streamable-http', auth: 'oauth', enabled: true } as const;
  const confidential = context.client_secret !== undefined || context.private_key_pem !== undefined;
  if (context.client_id === undefined) return { ...base, clientMetadataUrl: CIMD_URL };
  if (!confidential) return { ...base, clientMetadataUrl: CIMD_URL, clientId: context.client_id };
  // What a person would configure for a service account the scenario names, its keys by name.
  const grant = context.name?.includes('client-credentials') ? 'client_credentials' : 'authorization_code';
  const credential =
    context.private_key_pem === undefined ? { clientSecret: SECRET_REF } : { clientKey: SECRET_REF };
  return { ...base, oauth: { clientId: context.client_id, grant, ...credential } };
}

const SECRET_REF = { secret: 'CONFORMANCE_CLIENT_CREDENTIAL' };

/**
 * The person: opens the authorization URL and lets the redirect reach the loopback listener. Like a
 * browser, it does not block the caller: the listener answers only once the code was exchanged.
 */
function followAuthorizationUrl(url: string): Promise<void> {
  fetch(url, { redirect: 'follow' }).then(
    (response) => response.body?.cancel(),
    (error: unknown) => process.stderr.write(`authorization URL: ${messageOf(error)}\n`),
  );
  return Promise.resolve();
}

function signInNeeded(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof BrokerError) return e.code === 'SIGNIN_NEEDED';
    if (/SIGNIN_NEEDED|Sign in with: mcp-auth-broker login --server/.test(e.message)) return true;
  }
  return false;
}

async function session(url: string, fetchFn: Fetch): Promise<string> {
  const client = new Client({ name: 'mcp-auth-broker-conformance', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: fetchFn }));
  try {
    const { tools } = await client.listTools();
    const tool = tools[0];
    if (tool === undefined) return 'connected; no tools';
    const result = await client.callTool({ name: tool.name, arguments: {} });
    return `connected; ${String(tools.length)} tools; called ${tool.name} (isError: ${String(result.isError === true)})`;
  } finally {
    await client.close();
  }
}

async function main(url: string): Promise<void> {
  const dataDir = makeTempDir('mab-conf-');
  const context = scenarioContext();
  const credential = context.private_key_pem ?? context.client_secret;
  const stored = credential === undefined ? {} : { [SECRET_REF.secret]: credential };
  const secrets = new MemorySecretStore(stored, 'memory (conformance)');
  const audit = { record: () => undefined };
  const authorizations = new RemoteAuthorizations({
    servers: { [SERVER]: serverEntry(url, context) },
    secrets,
    audit,
  });
  const service = new ProviderService({
    providers: {},
    secrets,
    extraProvider: (id) => authorizations.provider(id),
    dataDir: dataDir.path,
    audit,
    clock: systemClock,
    logger: silentLogger(),
    redactor: new SecretRedactor(),
  });
  const account = remoteAccountId(SERVER);
  const tokens: RemoteTokenSource = {
    accessToken: (id) => service.refresher.accessToken(id),
    refresh: (id, force) => service.refresher.refresh(id, force),
    metadata: (id) => service.store.metadata(id),
  };
  const fetchFn = authorizedFetch({ server: SERVER, authorizations, tokens, audit, fetch });
  try {
    for (let signIns = 0; ; signIns++) {
      try {
        process.stdout.write(`${await session(url, fetchFn)}\n`);
        return;
      } catch (error) {
        if (!signInNeeded(error) || signIns >= MAX_SIGN_INS) throw error;
        await service.login(account, {
          mode: 'browser',
          onEvent: () => undefined,
          openUrl: followAuthorizationUrl,
          browserTimeoutMs: 20_000,
        });
      }
    }
  } finally {
    service.refresher.stop();
    dataDir.remove();
  }
}

const url = process.argv.at(-1);
if (url === undefined || !/^https?:/.test(url)) {
  process.stderr.write('usage: conformance-client <mcp-server-url>\n');
  process.exit(2);
}
main(url).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`conformance client failed: ${messageOf(error)}\n`);
    process.exit(1);
  },
);
