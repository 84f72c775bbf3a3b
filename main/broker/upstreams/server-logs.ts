import { join } from 'node:path';

import { BrokerError } from '../base/errors.js';
import { SERVER_NAME_PATTERN } from '../config/config-schema.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import {
  DEFAULT_SERVER_LOG_LIMITS,
  readServerLog,
  ServerLogFile,
  type ServerLogLimits,
} from './server-log-file.js';

/**
 * The stderr logs of every stdio server, one file per server name in `dir` (`<data dir>/server-logs`).
 * A server keeps its log across restarts and config edits (the same file, by name); logs of servers
 * from an earlier run can still be read.
 */
export class ServerLogs {
  private readonly files = new Map<string, ServerLogFile>();
  private readonly followers = new Set<() => void>();

  constructor(
    readonly dir: string,
    private readonly redactor: SecretRedactor,
    private readonly limits: ServerLogLimits = DEFAULT_SERVER_LOG_LIMITS,
  ) {}

  /** The log of server `name` (created on first write). */
  forServer(name: string): ServerLogFile {
    let file = this.files.get(name);
    if (!file) {
      file = new ServerLogFile(this.pathOf(name), this.redactor, this.limits);
      this.files.set(name, file);
    }
    return file;
  }

  /** The last `count` lines of server `name`'s log, oldest first (redacted when written). */
  tail(name: string, count: number): Promise<string[]> {
    return this.files.get(name)?.tail(count) ?? readServerLog(this.pathOf(name), count);
  }

  /**
   * Calls `listener` with each batch of lines written to `name`'s log from now on, and `ended` once
   * the broker closes the logs; returns the unsubscribe.
   */
  follow(name: string, listener: (lines: string[]) => void, ended: () => void): () => void {
    const file = this.forServer(name);
    file.on('lines', listener);
    this.followers.add(ended);
    return () => {
      file.off('lines', listener);
      this.followers.delete(ended);
    };
  }

  /** Writes what is pending (the servers' last words, after they stopped), then ends every follower. */
  async close(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.settled();
    for (const ended of [...this.followers]) ended();
    this.followers.clear();
  }

  /** Resolves once every queued write of every log is done. */
  async settled(): Promise<void> {
    await Promise.all([...this.files.values()].map((file) => file.settled()));
  }

  private pathOf(name: string): string {
    // Names come from the config (checked there) or a route parameter: never a path of their own.
    if (!SERVER_NAME_PATTERN.test(name))
      throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}".`);
    return join(this.dir, `${name}.log`);
  }
}
