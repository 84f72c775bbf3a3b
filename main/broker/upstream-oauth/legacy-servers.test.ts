import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';

import { startMetadataServer } from '../../test-support/metadata-server.js';
import { type RemoteKit, startRemoteKit } from '../../test-support/remote-test-kit.js';
import { runOAuthDoctor } from './oauth-doctor.js';

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

async function whoami(client: Client): Promise<{ sub: string }> {
  return JSON.parse(textOf(await client.callTool({ name: 'remote__whoami' }))) as { sub: string };
}

/** A 2025-03-26 server: no RFC 9728 metadata, a plain challenge, its AS on its own origin. */
const legacyServer = { metadataAt: 'none', challengeMetadata: false } as const;
/** Nothing advertises scopes without RFC 9728 (CL-7: omitted), so the entry names the one it needs. */
const entry = { scopes: ['mcp:read'] };

describe('issue 13.4 servers from the 2025-03-26 era (no RFC 9728 metadata)', () => {
  let kit: RemoteKit | undefined;
  let meta: Awaited<ReturnType<typeof startMetadataServer>> | undefined;
  afterEach(async () => {
    await kit?.stop();
    await meta?.close();
    kit = undefined;
    meta = undefined;
  });

  it('13.4 CL-1 CL-2 takes the AS at the server origin and its RFC 8414 metadata, then signs in and calls tools', async () => {
    kit = await startRemoteKit({ sameOrigin: true, server: legacyServer, entry });
    const events = await kit.signIn();
    expect(events.at(-1)?.event).toBe('success');
    expect(kit.server.log).toContain('GET /.well-known/oauth-protected-resource/mcp 404');
    expect(kit.as.log).toContain('GET /.well-known/oauth-authorization-server 200');
    expect(kit.as.log.filter((l) => l.startsWith('POST /reg '))).toHaveLength(1);
    expect((await whoami(await kit.client())).sub).toBe('alice');
  });

  it('13.4 with no AS metadata either, uses the default /authorize, /token and /register', async () => {
    kit = await startRemoteKit({
      ...{ sameOrigin: true, server: legacyServer, entry },
      as: { defaultEndpoints: true },
    });
    const events = await kit.signIn();
    expect(events.at(-1)?.event).toBe('success');
    expect(kit.as.log.filter((l) => l.startsWith('POST /register '))).toHaveLength(1);
    expect(kit.as.log.some((l) => l.startsWith('GET /authorize '))).toBe(true);
    expect(kit.as.log.some((l) => l.startsWith('POST /token authorization_code'))).toBe(true);
    expect((await whoami(await kit.client())).sub).toBe('alice');
  });

  it('13.4 the doctor says it used the 2025-03-26 fallback', async () => {
    kit = await startRemoteKit({ sameOrigin: true, server: legacyServer, as: { defaultEndpoints: true } });
    const report = await runOAuthDoctor(kit.server.url);
    expect(report.diagnosis.code).toBe('ok');
    const prm = report.steps.find((s) => s.name.startsWith('Protected resource metadata'));
    expect(prm?.detail).toMatch(/none published: 2025-03-26 rule, authorization server at http:\/\/127/);
    const as = report.steps.find((s) => s.name.startsWith('Authorization server metadata'));
    expect(as?.detail).toMatch(
      /none published: 2025-03-26 default endpoints \/authorize, \/token, \/register/,
    );
  });

  it('13.4 a challenge that names metadata which is missing stays an error (no fallback)', async () => {
    meta = await startMetadataServer({
      'POST /mcp': (origin) => ({
        status: 401,
        headers: { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/missing"` },
      }),
    });
    const report = await runOAuthDoctor(`${meta.origin}/mcp`);
    expect(report.diagnosis.code).toBe('no-prm');
  });
});
