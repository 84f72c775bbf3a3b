import type { DiscoveryRequest } from './authorization-discovery.js';

/**
 * The OAuth doctor's report: the steps it walked (with the URLs each one requested), what the
 * broker would send, and one diagnosis with its fix. Nothing in it is secret: no tokens are ever
 * obtained without `--login`, and `state`, PKCE values and client secrets are shown redacted.
 */
export type DiagnosisCode =
  | 'ok'
  | 'no-auth-needed'
  | 'insecure-url'
  | 'unreachable'
  | 'no-prm'
  | 'resource-mismatch'
  | 'no-as-metadata'
  | 'issuer-mismatch'
  | 'no-s256'
  | 'registration-refused'
  | 'no-registration'
  | 'redirect-rejected'
  | 'resource-rejected'
  | 'login-failed';

/** Ends the walk at a failed step with its diagnosis. */
export class DoctorStop extends Error {
  constructor(
    readonly code: DiagnosisCode,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export interface DoctorStep {
  name: string;
  ok: boolean;
  detail: string;
  requests: DiscoveryRequest[];
}

export interface DoctorReport {
  url: string;
  steps: DoctorStep[];
  /** The authorization request the broker would send (state and code challenge redacted). */
  authorizationRequest?: Record<string, string>;
  diagnosis: { code: DiagnosisCode; problem: string; fix: string };
}

export const FIXES: Record<DiagnosisCode, string> = {
  ok: 'Nothing to fix. Add the server to the config and run: mcp-auth-broker login --server <name>',
  'no-auth-needed':
    'The server answered without asking for credentials; use "auth": "none", or a static header if it expects an API key.',
  'insecure-url':
    'Use an https URL. Plain http is only accepted for 127.0.0.1/localhost (local development).',
  unreachable: 'Check the URL, the network and any proxy; the broker retries with backoff once configured.',
  'no-prm':
    'The server must publish RFC 9728 metadata at /.well-known/oauth-protected-resource[/path] or name it in WWW-Authenticate resource_metadata. Ask its operator, or use a static header / provider auth instead.',
  'resource-mismatch':
    'The metadata "resource" must be this server URL (or a prefix of it); fix the server\'s metadata or use the URL it names.',
  'no-as-metadata':
    'The authorization server must publish RFC 8414 or OpenID discovery metadata; check "authorization_servers" in the resource metadata.',
  'issuer-mismatch':
    'The "issuer" in the authorization server metadata must equal the URL listed in "authorization_servers" (RFC 8414 §3.3); one of them is misconfigured.',
  'no-s256':
    'The authorization server must list "S256" in code_challenge_methods_supported; its operator must enable PKCE S256.',
  'registration-refused':
    'Dynamic client registration was refused: register a client with redirect URI http://127.0.0.1/callback (native app) and set "clientId" for the server.',
  'no-registration':
    'The authorization server offers no dynamic registration: register a client there and set "clientId" (or "clientMetadataUrl" if it supports client ID metadata documents).',
  'redirect-rejected':
    'The authorization server rejected the loopback redirect http://127.0.0.1:<port>/callback; the client must be registered as a native app allowing any loopback port (RFC 8252 §7.3).',
  'resource-rejected':
    'The authorization server rejected the RFC 8707 "resource" (the server URL); it must accept the MCP server as a resource indicator.',
  'login-failed': 'See the error above; run the doctor again with --login after fixing it.',
};

const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');

/** The readable trace: one block per step, then what would be sent, then the diagnosis. */
export function renderReport(report: DoctorReport): string {
  const lines = [`OAuth doctor for ${report.url}`, ''];
  report.steps.forEach((step, index) => {
    lines.push(`${String(index + 1)}. [${mark(step.ok)}] ${step.name}: ${step.detail}`);
    for (const r of step.requests) lines.push(`       ${r.method} ${r.url} -> ${String(r.status)}`);
  });
  if (report.authorizationRequest) {
    lines.push('', 'Authorization request the broker would send:');
    for (const [key, value] of Object.entries(report.authorizationRequest))
      lines.push(`   ${key} = ${value}`);
  }
  const { code, problem, fix } = report.diagnosis;
  lines.push('', `Diagnosis (${code}): ${problem}`, `Fix: ${fix}`);
  return lines.join('\n');
}
