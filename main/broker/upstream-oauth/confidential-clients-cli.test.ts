import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  CLI,
  connectThroughShim,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { actAsPerson } from '../../test-support/oauth-person.js';
import {
  type ProtectedRemoteServer,
  startProtectedRemoteServer,
} from '../../test-support/protected-remote-server.js';
import { type RemoteAuthServer, startRemoteAuthServer } from '../../test-support/remote-oauth-server.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

const SECRET = 'cli-conf-secret-canary-2b7e91d04f6a';
const env = { MCP_AUTH_BROKER_PASSPHRASE: 'confidential-e2e-passphrase' };

const where = (home: BrokerHome) => ['--config', home.configPath, '--data-dir', home.dataDir];

/** `login --server <name> --no-open [--json]`, the person approving any `browser` event. */
function loginServer(home: BrokerHome, server: string, json: boolean) {
  const args = ['login', '--server', server, '--no-open', ...(json ? ['--json'] : []), ...where(home)];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let person: Promise<unknown> | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    const url = /"event":"browser".*"url":"([^"]+)"/.exec(line)?.[1];
    if (url) person = actAsPerson(url);
  });
  return new Promise<{ code: number | null; lines: string[]; stderr: string }>((resolve) => {
    child.once('close', (code) => void Promise.resolve(person).then(() => resolve({ code, lines, stderr })));
  });
}

const auditText = (home: BrokerHome) => {
  const dir = join(home.dataDir, 'audit');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
};

const textOf = (result: unknown) =>
  (result as { content: { type: string; text: string }[] }).content[0]?.text ?? '';

describe('issue 13.1 / 13.2 through the real CLI: serve, secret set, login --server, the connect shim', () => {
  const tmp = makeTempDir('mab-conf-');
  let as: RemoteAuthServer;
  let server: ProtectedRemoteServer;
  let broker: RunningBroker;
  let home: BrokerHome;

  beforeAll(async () => {
    as = await startRemoteAuthServer({
      clients: [
        {
          client_id: 'svc-account',
          client_secret: SECRET,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
        {
          client_id: 'conf-app',
          client_secret: SECRET,
          application_type: 'native',
          redirect_uris: ['http://127.0.0.1/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    server = await startProtectedRemoteServer({ authorizationServer: as.issuer });
    as.setResource(server.url);
    const secret = { secret: 'REMOTE_CLIENT_SECRET' };
    home = writeBrokerHome(tmp.path, {
      servers: {
        svc: {
          url: server.url,
          oauth: { clientId: 'svc-account', clientSecret: secret, grant: 'client_credentials' },
        },
        conf: { url: server.url, oauth: { clientId: 'conf-app', clientSecret: secret } },
      },
      secretStore: { type: 'encrypted-file' },
    });
    const set = await runCli(['secret', 'set', 'REMOTE_CLIENT_SECRET', ...where(home)], {
      input: SECRET,
      env,
    });
    expect(set.code).toBe(0);
    broker = await startBroker(home, [], env);
  });
  afterAll(async () => {
    await broker.stop();
    await server.close();
    await as.close();
    tmp.remove();
  });

  it('13.2 13.1 CL-4 a machine entry works at once, login --server just fetches its token; a confidential one signs in; the secret shows nowhere', async () => {
    const shim = await connectThroughShim(home, env);
    try {
      const svc = await shim.client.callTool({ name: 'svc__whoami' });
      expect(JSON.parse(textOf(svc))).toMatchObject({ sub: 'svc-account', scopes: ['mcp:read'] });
      await expect(shim.client.callTool({ name: 'conf__whoami' })).rejects.toThrow(/login --server conf/);

      const machine = await loginServer(home, 'svc', false);
      expect(machine.code).toBe(0);
      expect(machine.lines.join('\n')).toMatch(
        /Got an access token for mcp-svc with the client credentials grant \(no sign-in needed/,
      );
      const person = await loginServer(home, 'conf', true);
      expect(person.code).toBe(0);
      expect(person.lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual([
        'browser',
        'success',
      ]);
      const conf = await shim.client.callTool({ name: 'conf__whoami' });
      expect(JSON.parse(textOf(conf))).toMatchObject({ sub: 'alice' });

      const tokenLines = as.log.filter((l) => l.startsWith('POST /token'));
      expect(tokenLines.filter((l) => l.includes('client_credentials'))).toHaveLength(2);
      expect(tokenLines.every((l) => l.includes('auth=basic'))).toBe(true);
      const status = await runCli(['status', '--json', ...where(home)], { env });
      const everything = [
        broker.output(),
        shim.stderr(),
        machine.lines.join('\n'),
        machine.stderr,
        person.lines.join('\n'),
        person.stderr,
        status.stdout,
        status.stderr,
        auditText(home),
      ].join('\n');
      expect(everything).toContain('svc');
      expect(everything).not.toContain(SECRET);
    } finally {
      await shim.client.close();
    }
  });
});
