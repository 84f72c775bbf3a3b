import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { scopeForServer } from '../broker/authz/access-token.js';
import { silentLogger } from '../broker/base/logger.js';
import { Broker } from '../broker/broker.js';
import { MemorySecretStore } from '../broker/secrets/memory-secret-store.js';
import { SecretRedactor } from '../broker/secrets/secret-redactor.js';
import { makeTempDir } from './temp-dir.js';
import { type TestTokenInput, TestTokenIssuer } from './test-token-issuer.js';

const FIXTURE = fileURLToPath(new URL('./fixture-server.mjs', import.meta.url));
const RECORDER = fileURLToPath(new URL('./recording-server.mjs', import.meta.url));

/** The recording upstream's own credential (a literal env value in its config). */
export const UPSTREAM_CREDENTIAL = 'upstream-own-credential-5d1e9b7c';

export interface ResourceBroker {
  broker: Broker;
  issuer: TestTokenIssuer;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `http://127.0.0.1:<port>/mcp` */
  resource: string;
  port: number;
  recordFile: string;
  /** A token for this broker's `/mcp` granting `servers` (override anything else). */
  token(servers: string[], extra?: Partial<TestTokenInput>): Promise<string>;
  auditText(): string;
  stop(): Promise<void>;
}

/**
 * An in-process broker on port 0 with three upstreams — fixture servers `alpha` and `beta` and the
 * recording server `recorder` — whose `/mcp` and `/ws` accept tokens of a jose test issuer, or of the
 * broker's own authorization server with `withAuthorizationServer`.
 */
export async function startResourceBroker(
  options: { withAuthorizationServer?: boolean } = {},
): Promise<ResourceBroker> {
  const tmp = makeTempDir('mab-rs-');
  const recordFile = join(tmp.path, 'recorder.log');
  writeFileSync(recordFile, '');
  const configPath = join(tmp.path, 'config.json');
  const fixture = (name: string) => ({
    command: process.execPath,
    args: [FIXTURE],
    env: { FIXTURE_NAME: name },
  });
  const config = {
    servers: {
      alpha: fixture('alpha'),
      beta: fixture('beta'),
      recorder: {
        command: process.execPath,
        args: [RECORDER],
        env: { RECORD_FILE: recordFile, UPSTREAM_CREDENTIAL },
      },
    },
    secretStore: { type: 'keychain' },
  };
  writeFileSync(configPath, JSON.stringify(config));
  const issuer = await TestTokenIssuer.create();
  const broker = await Broker.start({
    configPath,
    dataDir: join(tmp.path, 'data'),
    port: 0,
    logger: silentLogger(),
    redactor: new SecretRedactor(),
    secretStore: new MemorySecretStore(),
    // With the real authorization server, its verifier guards /mcp; otherwise the test issuer's.
    ...(options.withAuthorizationServer === true ? {} : { accessTokenVerifier: issuer }),
  });
  const origin = broker.url;
  return {
    broker,
    issuer,
    origin,
    resource: `${origin}/mcp`,
    port: broker.http.port,
    recordFile,
    token: (servers, extra = {}) =>
      issuer.issue({ audience: `${origin}/mcp`, scopes: servers.map(scopeForServer), ...extra }),
    auditText: () => readFileSync(join(tmp.path, 'data', 'audit', 'audit.jsonl'), 'utf8'),
    stop: async () => {
      await broker.close();
      tmp.remove();
    },
  };
}
