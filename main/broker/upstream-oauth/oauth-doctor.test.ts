import { PassThrough } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { asMetadata, type MetadataServer, startMetadataServer } from '../../test-support/metadata-server.js';
import { actAsPerson } from '../../test-support/oauth-person.js';
import {
  type ProtectedRemoteServer,
  startProtectedRemoteServer,
} from '../../test-support/protected-remote-server.js';
import { type RemoteAuthServer, startRemoteAuthServer } from '../../test-support/remote-oauth-server.js';
import { runCli } from '../cli/index.js';
import { doctorLogin } from './doctor-login.js';
import { renderReport, runOAuthDoctor } from './oauth-doctor.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, cliScript: 'mab' };
  return { code: await runCli(args, io), stdout: out };
}

describe('OAuth doctor against a real protected server', () => {
  let as: RemoteAuthServer | undefined;
  let server: ProtectedRemoteServer | undefined;
  afterEach(async () => {
    await server?.close();
    await as?.close();
  });

  async function start() {
    as = await startRemoteAuthServer();
    server = await startProtectedRemoteServer({ authorizationServer: as.issuer });
    as.setResource(server.url);
    return { as, server };
  }

  it('walks every step, ends "ok", prints what it would send with secrets redacted (--json)', async () => {
    const { server: s, as: a } = await start();
    const { code, stdout } = await cli(['doctor', s.url, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Awaited<ReturnType<typeof runOAuthDoctor>>;
    expect(report.diagnosis.code).toBe('ok');
    expect(report.steps.map((step) => step.ok)).toEqual(report.steps.map(() => true));
    expect(report.steps[1]?.detail).toContain(
      `resource_metadata=${s.origin}/.well-known/oauth-protected-resource/mcp`,
    );
    expect(report.authorizationRequest).toMatchObject({
      resource: s.url,
      code_challenge_method: 'S256',
      state: '[redacted]',
      code_challenge: '[redacted]',
      scope: 'mcp:read',
    });
    expect(a.log.filter((l) => l.startsWith('POST /reg')).length).toBe(1);
    const text = renderReport(report);
    expect(text).toMatch(/Diagnosis \(ok\)/);
    expect(text).toContain(`GET ${a.issuer}/.well-known/oauth-authorization-server -> 200`);
  });

  it('diagnoses a resource the authorization server rejects (invalid_target)', async () => {
    const { server: s, as: a } = await start();
    a.setResource('http://127.0.0.1/another-server');
    const report = await runOAuthDoctor(s.url);
    expect(report.diagnosis.code).toBe('resource-rejected');
    expect(report.diagnosis.fix).toContain('resource');
  });

  it('--login signs in in the browser flow and lists the tools (connection test)', async () => {
    const { server: s } = await start();
    const report = await runOAuthDoctor(s.url);
    let person: Promise<unknown> | undefined;
    const openUrl = (url: string) => ((person = actAsPerson(url)), Promise.resolve());
    await doctorLogin(report, { onEvent: () => undefined, openUrl });
    await person;
    expect(report.diagnosis.code).toBe('ok');
    expect(report.steps.at(-1)?.detail).toMatch(/tools\/list returned 3 tools: whoami, echo, admin_action/);
    expect(JSON.stringify(report)).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});

describe('OAuth doctor diagnoses the common failures', () => {
  let meta: MetadataServer | undefined;
  afterEach(async () => {
    await meta?.close();
    meta = undefined;
  });

  const challenge = (withMetadata: boolean) => (origin: string) => ({
    status: 401,
    headers: {
      'www-authenticate': withMetadata
        ? `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`
        : 'Bearer realm="mcp"',
    },
  });
  const prm = (origin: string) => ({ body: { resource: `${origin}/mcp`, authorization_servers: [origin] } });

  async function diagnose(routes: Parameters<typeof startMetadataServer>[0]) {
    meta = await startMetadataServer({ 'POST /mcp': challenge(true), ...routes });
    return runOAuthDoctor(`${meta.origin}/mcp`);
  }

  it('13.4 no protected resource metadata: the 2025-03-26 rule, said so, then what is missing there', async () => {
    meta = await startMetadataServer({ 'POST /mcp': challenge(false) });
    const report = await runOAuthDoctor(`${meta.origin}/mcp`);
    const prm = report.steps.find((s) => s.name.startsWith('Protected resource metadata'));
    expect(prm?.requests.map((r) => r.status)).toEqual([404, 404]);
    expect(prm?.detail).toContain('2025-03-26 rule');
    // The origin has no AS either: the default /register is tried and refused.
    expect(report.diagnosis.code).toBe('registration-refused');
  });

  it('issuer mismatch', async () => {
    const report = await diagnose({
      '/.well-known/oauth-protected-resource/mcp': prm,
      '/.well-known/oauth-authorization-server': () => ({ body: asMetadata('https://other.example') }),
    });
    expect(report.diagnosis.code).toBe('issuer-mismatch');
  });

  it('no S256', async () => {
    const report = await diagnose({
      '/.well-known/oauth-protected-resource/mcp': prm,
      '/.well-known/oauth-authorization-server': (o) => ({
        body: asMetadata(o, { code_challenge_methods_supported: ['plain'] }),
      }),
    });
    expect(report.diagnosis.code).toBe('no-s256');
    expect(report.diagnosis.fix).toContain('S256');
  });

  it('registration refused', async () => {
    const report = await diagnose({
      '/.well-known/oauth-protected-resource/mcp': prm,
      '/.well-known/oauth-authorization-server': (o) => ({
        body: asMetadata(o, { registration_endpoint: `${o}/reg` }),
      }),
      'POST /reg': () => ({
        status: 400,
        body: { error: 'invalid_client_metadata', error_description: 'no' },
      }),
    });
    expect(report.diagnosis.code).toBe('registration-refused');
    expect(report.diagnosis.fix).toContain('clientId');
  });

  it('redirect rejected', async () => {
    const report = await diagnose({
      '/.well-known/oauth-protected-resource/mcp': prm,
      '/.well-known/oauth-authorization-server': (o) => ({
        body: asMetadata(o, { registration_endpoint: `${o}/reg` }),
      }),
      'POST /reg': () => ({
        status: 201,
        body: {
          client_id: 'c1',
          client_secret: 'sekret-value-123456',
          redirect_uris: ['http://127.0.0.1/callback'],
        },
      }),
      '/authorize': () => ({
        status: 400,
        body: { error: 'invalid_request', error_description: 'redirect_uri did not match' },
      }),
    });
    expect(report.diagnosis.code).toBe('redirect-rejected');
    expect(JSON.stringify(report)).not.toContain('sekret-value-123456');
    expect(renderReport(report)).toContain('client secret issued, not shown');
  });
});
