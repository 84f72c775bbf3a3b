import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { scopeForServer } from '../broker/authz/access-token.js';
import type { Broker } from '../broker/broker.js';
import { MemorySecretStore } from '../broker/secrets/memory-secret-store.js';
import { startTestBroker } from './in-process-broker.js';
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
  const issuer = await TestTokenIssuer.create();
  const fixture = (name: string) => ({
    command: process.execPath,
    args: [FIXTURE],
    env: { FIXTURE_NAME: name },
  });
  let recordFile = '';
  const kit = await startTestBroker({
    tmpPrefix: 'mab-rs-',
    servers: (dir) => {
      recordFile = join(dir, 'recorder.log');
      writeFileSync(recordFile, '');
      return {
        alpha: fixture('alpha'),
        beta: fixture('beta'),
        recorder: {
          command: process.execPath,
          args: [RECORDER],
          env: { RECORD_FILE: recordFile, UPSTREAM_CREDENTIAL },
        },
      };
    },
    config: { secretStore: { type: 'keychain' } },
    secretStore: new MemorySecretStore(),
    // With the real authorization server, its verifier guards /mcp; otherwise the test issuer's.
    ...(options.withAuthorizationServer === true ? {} : { accessTokenVerifier: issuer }),
  });
  const { broker } = kit;
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
    auditText: kit.auditText,
    stop: kit.stop,
  };
}
