import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { SecretRedactor } from '../secrets/secret-redactor.js';

/** Bounds of a server's stderr log on disk. */
export interface ServerLogLimits {
  /** A file that would grow past this is rotated to `<file>.1` (the older `.1` is dropped); 256 KiB. */
  maxFileBytes: number;
  /** Output is written once the server has been quiet this long (ms), so a secret printed in one go is redacted whole; 150 ms. */
  quietMs: number;
  /** Pending output past this is written at once; pending output past 4× this is dropped (oldest first); 64 KiB. */
  maxPendingBytes: number;
}

export const DEFAULT_SERVER_LOG_LIMITS: ServerLogLimits = {
  maxFileBytes: 256 * 1024,
  quietMs: 150,
  maxPendingBytes: 64 * 1024,
};

/** Windows has no O_NOFOLLOW (and no symlinks a user can plant without privileges). */
const NOFOLLOW = process.platform === 'win32' ? 0 : constants.O_NOFOLLOW;
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW;

/** Lines as written: `<ISO time> <text>`. */
export interface ServerLogEvents {
  lines: [string[]];
}

/**
 * One stdio server's stderr on disk (issue 15 point 3): `<data dir>/server-logs/<server>.log`, 0600,
 * never through a symlink, rotated to `.1` past `maxFileBytes` (so at most twice that per server).
 * Every line is redacted with the broker's secret redactor before it is written (SEC-5). Output is
 * written in batches after a quiet spell, each batch redacted as a whole, so a multi-line secret a
 * server prints in one go is caught even when each of its lines is too short to be caught alone.
 * All file work is asynchronous and serialized; a write that fails is dropped (the tail in memory
 * and `status` still show the output), never thrown into the server's stderr handling.
 */
export class ServerLogFile extends EventEmitter<ServerLogEvents> {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private size: number | undefined;

  constructor(
    readonly path: string,
    private readonly redactor: SecretRedactor,
    private readonly limits: ServerLogLimits = DEFAULT_SERVER_LOG_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** A chunk of the server's stderr. */
  write(chunk: string | Buffer): void {
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const cap = this.limits.maxPendingBytes * 4;
    if (this.pending.length > cap) this.pending = this.pending.slice(-cap);
    if (this.pending.length >= this.limits.maxPendingBytes) this.flush(false);
    else {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(false), this.limits.quietMs);
      this.timer.unref();
    }
  }

  /** Writes everything pending (an unterminated last line too), then `note` as a broker line. */
  mark(note: string): void {
    this.flush(true, note);
  }

  /** Resolves once every write queued so far is on disk (or dropped). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** The last `count` lines, oldest first, from `<file>.1` and `<file>`. */
  async tail(count: number): Promise<string[]> {
    await this.queue;
    return readServerLog(this.path, count);
  }

  private flush(all: boolean, note?: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const cut = all ? this.pending.length : this.pending.lastIndexOf('\n') + 1;
    const text = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    const stamp = new Date(this.now()).toISOString();
    const lines = this.redactor
      .redact(text)
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => `${stamp} ${line}`);
    if (note !== undefined) lines.push(`${stamp} ── ${this.redactor.redact(note)} ──`);
    if (lines.length === 0) return;
    this.queue = this.queue.then(() => this.append(lines)).catch(() => undefined);
  }

  private async append(lines: string[]): Promise<void> {
    const data = lines.join('\n') + '\n';
    const bytes = Buffer.byteLength(data);
    if (this.size === undefined) {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      this.size = await lstat(this.path).then(
        (st) => st.size,
        () => 0,
      );
    }
    if (this.size > 0 && this.size + bytes > this.limits.maxFileBytes) {
      await rename(this.path, `${this.path}.1`).catch(() => undefined);
      this.size = 0;
    }
    const file = await open(this.path, APPEND_FLAGS, 0o600);
    try {
      await file.write(data);
    } finally {
      await file.close();
    }
    this.size += bytes;
    this.emit('lines', lines);
  }
}

/** The last `count` lines of a server log (its `.1` rotation first); none when there is no log yet. */
export async function readServerLog(path: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const read = (file: string) =>
    readFile(file, { encoding: 'utf8', flag: constants.O_RDONLY | NOFOLLOW }).catch(() => '');
  const text = (await read(`${path}.1`)) + (await read(path));
  return text
    .split('\n')
    .filter((line) => line !== '')
    .slice(-count);
}
