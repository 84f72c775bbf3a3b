import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { silentLogger } from '../broker/base/logger.js';
import { Broker, type BrokerOptions } from '../broker/broker.js';
import { EncryptedFileSecretStore } from '../broker/secrets/encrypted-file-store.js';
import { SecretRedactor } from '../broker/secrets/secret-redactor.js';
import type { SecretStore } from '../broker/secrets/secret-store.js';
import { writeBrokerHome } from './broker-process.js';
import { cliInProcess } from './cli-in-process.js';
import { memorySecretStore } from './memory-secret-store.js';
import { makeTempDir } from './temp-dir.js';

export interface TestBrokerOptions extends Partial<
  Omit<BrokerOptions, 'configPath' | 'dataDir' | 'secretStore'>
> {
  /** The config's `servers` (default none); a function gets the temp dir (for files a server writes). */
  servers?: Record<string, unknown> | ((dir: string) => Record<string, unknown>);
  /** More top-level config (e.g. `providers`, `secretStore`); `servers` wins over a `servers` here. */
  config?: Record<string, unknown>;
  /**
   * The injected store: an instance, or `'encrypted-file'` for an EncryptedFileSecretStore in the
   * temp dir (passphrase `pw`; `encryptedFileName` names its file). Default: a memory store.
   */
  secretStore?: SecretStore | 'encrypted-file';
  encryptedFileName?: string;
  /** Prefix of the temp dir (short: the broker's Unix sockets live under it). */
  tmpPrefix?: string;
}

export interface TestBroker {
  broker: Broker;
  configPath: string;
  dataDir: string;
  /** The temp dir holding config, data dir and any file store; removed by `stop()`. */
  dir: string;
  secretStore: SecretStore;
  /** The broker's audit log as text. */
  auditText: () => string;
  /** `mcp-auth-broker …` in this process against this broker's config and data dir. */
  cli: (args: string[]) => ReturnType<typeof cliInProcess>;
  /** Lets open MCP sessions close (and be audited), closes the broker, removes the temp dir; idempotent. */
  stop: () => Promise<void>;
}

/**
 * An in-process broker for tests: a temp dir with a written config, port 0, a silent logger, a fresh
 * SecretRedactor and an injected secret store; anything else of BrokerOptions passes through
 * (`accessTokenVerifier`, `serverStartWaitMs`, the TEST ONLY loopback flags…).
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const {
    servers = {},
    config = {},
    secretStore: storeOption,
    encryptedFileName = 's.enc.json',
    tmpPrefix = 'mab-',
    ...brokerOptions
  } = options;
  const tmp = makeTempDir(tmpPrefix);
  const home = writeBrokerHome(tmp.path, {
    ...config,
    servers: typeof servers === 'function' ? servers(tmp.path) : servers,
  });
  const secretStore =
    storeOption === 'encrypted-file'
      ? new EncryptedFileSecretStore({ path: join(tmp.path, encryptedFileName), passphrase: 'pw' })
      : (storeOption ?? memorySecretStore());
  let broker: Broker;
  try {
    broker = await Broker.start({
      ...home,
      port: 0,
      logger: silentLogger(),
      redactor: new SecretRedactor(),
      ...brokerOptions,
      secretStore,
    });
  } catch (error) {
    tmp.remove();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // The broker closes each MCP session (and audits it) when it sees the socket close; let that happen.
    const open = () => (broker.status() as { broker: { clients: number } }).broker.clients;
    for (let i = 0; i < 200 && open() > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setImmediate(r));
    try {
      await broker.close();
    } finally {
      tmp.remove();
    }
  };
  return {
    broker,
    ...home,
    dir: tmp.path,
    secretStore,
    auditText: () => readFileSync(join(home.dataDir, 'audit', 'audit.jsonl'), 'utf8'),
    cli: (args) => cliInProcess(args, home),
    stop: () => (stopping ??= stop()),
  };
}
