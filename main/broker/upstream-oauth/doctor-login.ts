import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { messageOf } from '../base/errors.js';
import { runBrowserAuthorization } from '../providers/browser-authorization.js';
import type { SignInListener } from '../providers/sign-in-events.js';
import { MemorySecretStore } from '../secrets/memory-secret-store.js';
import type { Fetch } from './authorization-discovery.js';
import { type DoctorReport, FIXES } from './doctor-report.js';
import { remoteAccountId, RemoteAuthorizations } from './remote-authorizations.js';

/**
 * `doctor --login`: after discovery passed, signs in for real (the broker's browser flow: PKCE S256,
 * `state`, `iss`, `resource`) and lists the server's tools with the token — a connection test. The
 * tokens and the registration live in memory only and are dropped afterwards; nothing is printed
 * but the tool names.
 */
export interface DoctorLoginOptions {
  onEvent: SignInListener;
  openUrl: (url: string) => Promise<void>;
  fetch?: Fetch;
  clientId?: string;
  timeoutMs?: number;
}

async function listTools(url: string, accessToken: string): Promise<string[]> {
  const client = new Client({ name: 'mcp-auth-broker-doctor', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${accessToken}` } },
    }),
  );
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

/** Adds the sign-in and `tools/list` step to a report whose discovery passed. */
export async function doctorLogin(report: DoctorReport, options: DoctorLoginOptions): Promise<void> {
  const server = 'doctor';
  const authorizations = new RemoteAuthorizations({
    servers: {
      [server]: {
        url: report.url,
        transport: 'streamable-http',
        auth: 'oauth',
        enabled: true,
        ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      },
    },
    secrets: new MemorySecretStore({}, 'memory (doctor)'),
    audit: { record: () => undefined },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  try {
    const provider = await authorizations.provider(remoteAccountId(server));
    if (!provider) throw new Error('no provider');
    const tokens = await runBrowserAuthorization(provider, {
      account: report.url,
      onEvent: options.onEvent,
      openUrl: options.openUrl,
      timeoutMs: options.timeoutMs ?? 5 * 60_000,
    });
    const tools = await listTools(report.url, tokens.access_token);
    const detail = `signed in; tools/list returned ${String(tools.length)} tools: ${tools.join(', ')}`;
    report.steps.push({ name: 'Sign-in and tools/list', ok: true, detail, requests: [] });
  } catch (error) {
    const problem = messageOf(error);
    report.steps.push({ name: 'Sign-in and tools/list', ok: false, detail: problem, requests: [] });
    report.diagnosis = { code: 'login-failed', problem, fix: FIXES['login-failed'] };
  }
}
