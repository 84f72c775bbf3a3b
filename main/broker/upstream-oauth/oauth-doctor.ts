import {
  discoverAuthorizationServerMetadata,
  extractWWWAuthenticateParams,
  registerClient,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

import { isBrokerError, messageOf } from '../base/errors.js';
import {
  assertSecureRemoteUrl,
  type Challenge,
  checkAuthorizationServer,
  defaultEndpoints,
  type DiscoveryRequest,
  type Fetch,
  guardedFetch,
  resourceMetadataOrLegacy,
} from './authorization-discovery.js';
import { probeAuthorization } from './authorization-probe.js';
import { brokerClientMetadata } from './client-registration.js';
import {
  type DiagnosisCode,
  type DoctorReport,
  type DoctorStep,
  DoctorStop as Stop,
  FIXES,
} from './doctor-report.js';

/**
 * `mcp-auth-broker doctor <url>`: walks MCP authorization discovery step by step the way the broker
 * does it (CL-1 … CL-4, CL-7, CL-8) and stops at the first failure with a diagnosis and its fix.
 *
 * @see MCP authorization §2.3–§2.5; RFC 9728 §5.1; RFC 8414 §3; RFC 7591 §3; RFC 8252 §7.3
 */

export interface DoctorOptions {
  fetch?: Fetch;
  clientId?: string;
  clientMetadataUrl?: string;
  /** Loopback redirect port the probe uses (any port must be accepted; RFC 8252 §7.3). */
  redirectPort?: number;
}

class Walk {
  readonly steps: DoctorStep[] = [];
  constructor(private readonly base: Fetch) {}

  async step<T>(name: string, fail: DiagnosisCode, run: (fetch: Fetch) => Promise<[T, string]>): Promise<T> {
    const requests: DiscoveryRequest[] = [];
    try {
      const [value, detail] = await run(guardedFetch(this.base, requests));
      this.steps.push({ name, ok: true, detail, requests });
      return value;
    } catch (error) {
      const code =
        error instanceof Stop
          ? error.code
          : isBrokerError(error, 'UPSTREAM_INSECURE_URL')
            ? 'insecure-url'
            : fail;
      const problem = messageOf(error);
      this.steps.push({ name, ok: false, detail: problem, requests });
      throw error instanceof Stop ? error : new Stop(code, problem);
    }
  }
}

async function probeChallenge(url: URL, fetchFn: Fetch): Promise<[Challenge | undefined, string]> {
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'mcp-auth-broker-doctor', version: '1' },
    },
  };
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    if (isBrokerError(error)) throw error;
    throw new Stop(
      'unreachable',
      `${url.origin} is unreachable: ${messageOf(error instanceof Error && error.cause !== undefined ? error.cause : error)}`,
    );
  }
  await response.body?.cancel();
  if (response.status !== 401) return [undefined, `HTTP ${String(response.status)} without credentials`];
  const { resourceMetadataUrl, scope, error } = extractWWWAuthenticateParams(response);
  const parts = [`HTTP 401`, `resource_metadata=${resourceMetadataUrl?.href ?? '(none)'}`];
  if (scope) parts.push(`scope="${scope}"`);
  if (error) parts.push(`error=${error}`);
  return [{ resourceMetadataUrl, scope }, parts.join(', ')];
}

async function discoverAs(
  issuer: string,
  fetchFn: Fetch,
  legacy: boolean,
): Promise<[AuthorizationServerMetadata, string]> {
  assertSecureRemoteUrl(issuer, 'The authorization server');
  const metadata = await discoverAuthorizationServerMetadata(issuer, { fetchFn });
  if (!metadata && legacy) {
    return [
      defaultEndpoints(issuer),
      `none published: 2025-03-26 default endpoints /authorize, /token, /register at ${issuer}`,
    ];
  }
  if (!metadata) throw new Stop('no-as-metadata', `no RFC 8414 / OpenID metadata found for ${issuer}`);
  return [metadata, `issuer ${metadata.issuer}`];
}

function checkAs(issuer: string, metadata: AuthorizationServerMetadata): Promise<[undefined, string]> {
  try {
    checkAuthorizationServer(issuer, metadata);
  } catch (error) {
    const mismatch = metadata.issuer.replace(/\/$/, '') !== issuer.replace(/\/$/, '');
    throw new Stop(mismatch ? 'issuer-mismatch' : 'no-s256', messageOf(error));
  }
  const methods = metadata.code_challenge_methods_supported?.join(', ') ?? '';
  return Promise.resolve([undefined, `issuer matches; PKCE methods: ${methods}`]);
}

async function clientIdentity(
  issuer: string,
  metadata: AuthorizationServerMetadata,
  options: DoctorOptions,
  fetchFn: Fetch,
): Promise<[string, string]> {
  if (options.clientId !== undefined)
    return [options.clientId, `pre-registered client id ${options.clientId}`];
  if (options.clientMetadataUrl !== undefined && metadata.client_id_metadata_document_supported === true) {
    return [options.clientMetadataUrl, `client ID metadata document ${options.clientMetadataUrl}`];
  }
  if (metadata.registration_endpoint === undefined) {
    throw new Stop('no-registration', `${issuer} has no registration_endpoint and no clientId is configured`);
  }
  try {
    const info = await registerClient(issuer, { metadata, clientMetadata: brokerClientMetadata(), fetchFn });
    const secret = info.client_secret === undefined ? '' : ' (client secret issued, not shown)';
    return [info.client_id, `dynamic registration as a native app: client_id ${info.client_id}${secret}`];
  } catch (error) {
    throw new Stop('registration-refused', `registration refused: ${messageOf(error)}`);
  }
}

export type { DoctorReport } from './doctor-report.js';
export { renderReport } from './doctor-report.js';

/** Walks discovery for `url`; never throws, the report carries the failure. */
export async function runOAuthDoctor(url: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const walk = new Walk(options.fetch ?? ((u, init) => fetch(u, init)));
  const report: DoctorReport = { url, steps: walk.steps, diagnosis: { code: 'ok', problem: '', fix: '' } };
  try {
    const server = await walk.step('MCP server URL', 'insecure-url', () =>
      Promise.resolve([assertSecureRemoteUrl(url, 'The MCP server'), 'https, or plain http on loopback']),
    );
    const challenge = await walk.step('401 challenge', 'unreachable', (f) => probeChallenge(server, f));
    if (!challenge) throw new Stop('no-auth-needed', 'the server does not ask for authorization');
    const { resourceMetadata: prm, legacy } = await walk.step(
      'Protected resource metadata (RFC 9728)',
      'no-prm',
      async (f) => {
        const found = await resourceMetadataOrLegacy(server, challenge, f);
        const { resource, authorization_servers: servers } = found.resourceMetadata;
        return [
          found,
          found.legacy
            ? `none published: 2025-03-26 rule, authorization server at ${server.origin} (the server's origin)`
            : `resource ${resource}; authorization_servers ${JSON.stringify(servers ?? [])}`,
        ];
      },
    );
    const issuer = await walk.step('Resource and authorization server', 'resource-mismatch', () => {
      if (!checkResourceAllowed({ requestedResource: server, configuredResource: prm.resource })) {
        throw new Stop('resource-mismatch', `metadata is for ${prm.resource}, not ${server.href}`);
      }
      const first = prm.authorization_servers?.[0];
      if (first === undefined) throw new Stop('no-as-metadata', 'no "authorization_servers" in the metadata');
      return Promise.resolve([first, first]);
    });
    const metadata = await walk.step(
      'Authorization server metadata (RFC 8414 / OIDC)',
      'no-as-metadata',
      (f) => discoverAs(issuer, f, legacy),
    );
    await walk.step('Issuer and PKCE S256 checks', 'no-s256', () => checkAs(issuer, metadata));
    const clientId = await walk.step('Client identity', 'registration-refused', (f) =>
      clientIdentity(issuer, metadata, options, f),
    );
    const scopes = challenge.scope?.split(' ').filter(Boolean) ?? prm.scopes_supported ?? [];
    const probe = { metadata, clientId, resource: prm.resource, scopes, port: options.redirectPort ?? 0 };
    report.authorizationRequest = await walk.step('Authorization request', 'redirect-rejected', (f) =>
      probeAuthorization(probe, f),
    );
    report.diagnosis = {
      code: 'ok',
      problem: 'discovery, checks and registration all passed',
      fix: FIXES.ok,
    };
  } catch (error) {
    const stop = error instanceof Stop ? error : new Stop('unreachable', messageOf(error));
    report.diagnosis = { code: stop.code, problem: stop.problem, fix: FIXES[stop.code] };
  }
  return report;
}
