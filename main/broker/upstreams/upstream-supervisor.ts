import { EventEmitter } from 'node:events';

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import { CallDrain } from './call-drain.js';
import { RestartBackoff } from './restart-backoff.js';
import { StderrTail } from './stderr-tail.js';
import { type UpstreamAuditor, upstreamAuditor } from './upstream-audit.js';
import {
  type CatalogPart,
  changedParts,
  emptyCatalog,
  refreshCatalogPart,
  type UpstreamCatalog,
} from './upstream-catalog.js';
import { UpstreamChannel } from './upstream-channel.js';
import {
  type ConnectionHandlers,
  createUpstreamClient,
  redactData,
  startConnection,
  type UpstreamConnection,
} from './upstream-connection.js';
import type { UpstreamConnector } from './upstream-connector.js';
import type { UpstreamPolicy } from './upstream-policy.js';
import type { UpstreamDeps, UpstreamEvents, UpstreamState } from './upstream-types.js';
import { waitUntil } from './wait-until.js';

/**
 * Errors after which retrying cannot help until the person fixes something and restarts.
 * SECRET_STORE_UNAVAILABLE is not one of them: a locked keychain gets unlocked, so those starts are
 * retried with the usual backoff and the server comes back by itself.
 */
const NO_RETRY_CODES = [
  'SECRET_NOT_FOUND',
  'SIGNIN_NEEDED',
  'UPSTREAM_INSECURE_URL',
  'UPSTREAM_AUTH_FAILED',
] as const;

/** Lets piped stderr that is already on its way arrive before a failure is described. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One upstream MCP server's lifecycle, whatever its kind: connects through its connector (a spawned
 * stdio child, or a remote HTTP/SSE/WebSocket session), restarts with backoff when the connection
 * is lost, keeps its last catalog and stderr tail, drains calls for a restart between calls, and
 * hands out its client to callers once it runs. What it may expose is its `policy`.
 */
export class UpstreamSupervisor extends EventEmitter<UpstreamEvents> {
  private current: UpstreamState;
  private connection: UpstreamConnection | undefined;
  private generation = 0;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private crashHandling: Promise<void> = Promise.resolve();
  private readonly backoff: RestartBackoff;
  private readonly tail: StderrTail;
  private catalogValue: UpstreamCatalog = emptyCatalog();
  private lastErrorText: string | undefined;
  private startedAtMs: number | undefined;
  private pidValue: number | undefined;
  private readonly auditor: UpstreamAuditor;
  private readonly drain = new CallDrain();
  private pendingRestart: Promise<void> | undefined;
  /** Generations whose calls were still running when a rotation stopped waiting for them. */
  private readonly abandoned = new Map<number, number>();

  constructor(
    readonly name: string,
    readonly policy: UpstreamPolicy,
    private readonly connector: UpstreamConnector,
    private readonly deps: UpstreamDeps,
  ) {
    super();
    this.current = policy.enabled ? 'stopped' : 'disabled';
    this.backoff = new RestartBackoff(deps.timing);
    this.tail = new StderrTail(deps.redactor);
    this.auditor = upstreamAuditor(deps.audit, name);
  }

  get state(): UpstreamState {
    return this.current;
  }
  /** Pid of the running process. */
  get pid(): number | undefined {
    return this.current === 'running' ? this.pidValue : undefined;
  }
  /** Start attempts after the first one (automatic and explicit). */
  get restarts(): number {
    return Math.max(0, this.attempts - 1);
  }
  /** Why the server is not running (redacted), with the last stderr lines. */
  get lastError(): string | undefined {
    return this.lastErrorText === undefined ? undefined : this.deps.redactor.redact(this.lastErrorText);
  }
  /** When the current process finished starting (ms since the epoch). */
  get startedAt(): number | undefined {
    return this.current === 'running' ? this.startedAtMs : undefined;
  }
  /**
   * For a failed or crashed server: whether the broker will try again by itself (false once it gave
   * up after a crash loop, or after an error only the person can fix). Undefined in other states.
   */
  get retrying(): boolean | undefined {
    if (this.current !== 'failed' && this.current !== 'crashed') return undefined;
    return this.retryTimer !== undefined || this.current === 'crashed';
  }
  /** Last known catalog (kept while the server is down). */
  get catalog(): Readonly<UpstreamCatalog> {
    return this.catalogValue;
  }
  /** Last stderr lines, redacted. */
  stderrTail(): string[] {
    return this.tail.snapshot();
  }

  /** Starts the server; resolves once it runs or has failed (never rejects). No-op when disabled. */
  async start(): Promise<void> {
    if (this.current === 'disabled' || this.current === 'running' || this.current === 'starting') return;
    await this.attemptStart();
  }

  /** Stops the process (if any) and any pending restart. */
  async stop(): Promise<void> {
    await this.closeConnection(this.policy.enabled ? 'stopped' : 'disabled');
  }

  /** Stops and starts again now, with a fresh backoff; resolves once running or failed. */
  async restart(): Promise<void> {
    if (!this.policy.enabled) {
      throw new BrokerError('SERVER_UNAVAILABLE', `Server "${this.name}" is disabled in the broker config.`);
    }
    this.backoff.reset();
    await this.closeConnection('starting');
    await this.attemptStart();
  }

  /**
   * Runs `run` with the server's client, waiting for a starting or restarting server first. When the
   * server is down, or goes down during the request, throws `SERVER_UNAVAILABLE` naming it.
   */
  async request<T>(run: (client: Client, channel: UpstreamChannel) => Promise<T>): Promise<T> {
    await this.drain.enter();
    try {
      return await this.requestNow(run);
    } finally {
      this.drain.leave();
    }
  }

  /**
   * Restarts between calls (live credential rotation): new calls wait, calls in flight finish (for at
   * most `drainTimeoutMs`; any still running then fail with an error saying why), then the server
   * restarts and the held calls go to the new process. Concurrent requests share one restart.
   */
  restartWhenIdle(): Promise<void> {
    // A server the broker stopped (e.g. while shutting down) or that is disabled stays down.
    if (this.current === 'stopped' || this.current === 'disabled') return Promise.resolve();
    const drainMs = this.deps.timing.drainTimeoutMs;
    this.pendingRestart ??= this.drain
      .drain(drainMs)
      .then((stillRunning) => {
        if (stillRunning > 0) {
          for (const old of this.abandoned.keys()) if (old < this.generation - 8) this.abandoned.delete(old);
          this.abandoned.set(this.generation, drainMs);
        }
        return this.restart();
      })
      .finally(() => {
        this.pendingRestart = undefined;
        this.drain.release();
      });
    return this.pendingRestart;
  }

  private async requestNow<T>(run: (client: Client, channel: UpstreamChannel) => Promise<T>): Promise<T> {
    const { client, channel } = await this.ready();
    const generation = this.generation;
    try {
      return await run(client, channel);
    } catch (error) {
      const closed = error instanceof McpError && error.code === (ErrorCode.ConnectionClosed as number);
      const waitedMs = this.abandoned.get(generation);
      if (waitedMs !== undefined && generation !== this.generation) {
        throw new BrokerError(
          'SERVER_UNAVAILABLE',
          `Server "${this.name}" was restarted with new credentials while this call was still running ` +
            `(it had not answered after ${Math.round(waitedMs / 1000)} s of waiting); call it again.`,
          { cause: error },
        );
      }
      if (closed || generation !== this.generation || this.current !== 'running') {
        await this.crashHandling;
        throw this.unavailableError(error);
      }
      throw error;
    }
  }

  /** Resolves once the server runs (waiting, bounded, for a start in progress); else throws `SERVER_UNAVAILABLE`. */
  async waitUntilRunning(): Promise<void> {
    await this.ready();
  }

  /** Re-lists one part of the catalog now (e.g. resources before routing an unknown URI). */
  async relist(part: CatalogPart): Promise<void> {
    const connection = this.connection;
    if (this.current === 'running' && connection)
      await this.refresh(connection.client, part, this.generation);
  }

  /** The error for a call that cannot reach this server, redacted. */
  unavailableError(cause?: unknown): BrokerError {
    const reason = this.unavailableReason();
    return new BrokerError(
      'SERVER_UNAVAILABLE',
      this.deps.redactor.redact(`Server "${this.name}" is unavailable: ${reason}`),
      cause === undefined ? undefined : { cause },
    );
  }

  private unavailableReason(): string {
    switch (this.current) {
      case 'disabled':
        return 'it is disabled in the broker config.';
      case 'stopped':
        return 'it is not running (the broker stopped it).';
      case 'starting':
        return 'it is (re)starting and not ready yet; try again in a moment.';
      default:
        return this.lastErrorText ?? 'it is not running.';
    }
  }

  /** The running connection, after waiting (bounded) for a start or restart in progress. */
  private async ready(): Promise<UpstreamConnection> {
    const subscribe = (listener: () => void) => {
      this.on('statusChanged', listener);
      return () => this.off('statusChanged', listener);
    };
    const settled = () => this.current !== 'starting' && this.current !== 'crashed';
    await waitUntil(subscribe, settled, this.deps.timing.startWaitMs);
    if (this.current === 'running' && this.connection) return this.connection;
    throw this.unavailableError();
  }

  private setState(next: UpstreamState): void {
    this.current = next;
    this.emit('statusChanged');
  }

  private async attemptStart(): Promise<void> {
    this.clearRetry();
    const generation = ++this.generation;
    this.attempts += 1;
    this.tail.clear();
    this.setState('starting');
    try {
      const { connection, secretNames } = await this.prepareConnection(generation);
      if (generation !== this.generation) return;
      const catalog = await startConnection(connection, this.deps.timing.startTimeoutMs);
      if (generation !== this.generation) {
        await connection.client.close().catch(() => undefined);
        return;
      }
      this.onRunning(connection, secretNames, catalog);
    } catch (error) {
      if (generation === this.generation) await this.onStartFailed(error, generation);
    }
  }

  /** Resolves the credentials and builds the (unstarted) connection through the connector. */
  private async prepareConnection(
    generation: number,
  ): Promise<{ connection: UpstreamConnection; secretNames: string[] }> {
    const handlers = this.connectionHandlers(generation, () => connection.client);
    const { transport, secretNames } = await this.connector.open(handlers);
    const connection: UpstreamConnection = {
      client: createUpstreamClient(this.deps.clientInfo, handlers),
      transport,
      channel: new UpstreamChannel(transport),
    };
    // Made the one being started, unless a newer attempt or a stop came first.
    if (generation === this.generation) this.connection = connection;
    return { connection, secretNames };
  }

  /** What a connection of generation `generation` reports back to this server. */
  private connectionHandlers(generation: number, client: () => Client): ConnectionHandlers {
    const { logger, redactor } = this.deps;
    return {
      onStderr: (chunk) => {
        this.tail.write(chunk);
      },
      onClose: () => {
        this.onClose(generation);
      },
      onError: (error) => {
        logger.debug({ server: this.name, err: messageOf(error) }, 'upstream error');
      },
      onListChanged: (part) => void this.refresh(client(), part, generation),
      onLog: (message) =>
        this.emit('log', { server: this.name, ...message, data: redactData(redactor, message.data) }),
    };
  }

  private async refresh(client: Client, part: CatalogPart, generation: number): Promise<void> {
    try {
      const update = await refreshCatalogPart(client, part, this.deps.timing.startTimeoutMs);
      if (generation === this.generation) this.catalogUpdate({ ...this.catalogValue, ...update });
    } catch (error) {
      this.deps.logger.warn(
        { server: this.name, part, err: messageOf(error) },
        'could not re-list after list_changed',
      );
    }
  }

  private catalogUpdate(next: UpstreamCatalog): void {
    const changed = changedParts(this.catalogValue, next);
    this.catalogValue = next;
    const events = {
      tools: 'toolsChanged',
      prompts: 'promptsChanged',
      resources: 'resourcesChanged',
    } as const;
    for (const part of changed) this.emit(events[part]);
  }

  private onRunning(connection: UpstreamConnection, secretNames: string[], catalog: UpstreamCatalog): void {
    this.pidValue = connection.transport.spawnedPid;
    this.startedAtMs = this.deps.clock.now();
    this.lastErrorText = undefined;
    this.auditor.started(this.pidValue, secretNames);
    this.catalogUpdate(catalog);
    this.setState('running');
  }

  private async onStartFailed(error: unknown, generation: number): Promise<void> {
    await settle();
    if (generation !== this.generation) return;
    this.tail.flush();
    const transport = this.connection?.transport;
    this.connection = undefined;
    this.lastErrorText = this.withStderr(this.connector.describeStartFailure(error, transport));
    const errorCode = isBrokerError(error) ? error.code : 'SERVER_UNAVAILABLE';
    this.auditor.startFailed(errorCode, this.deps.redactor.redact(this.lastErrorText));
    this.setState('failed');
    const retry = !NO_RETRY_CODES.some((code) => isBrokerError(error, code));
    // A locked keychain is not the server failing: those tries do not count toward the limit.
    if (retry) this.retryOrGiveUp(!isBrokerError(error, 'SECRET_STORE_UNAVAILABLE'));
  }

  private withStderr(reason: string): string {
    const lines = this.tail.snapshot().slice(-5);
    return lines.length === 0 ? reason : `${reason} Last stderr: ${lines.join(' | ')}`;
  }

  /**
   * Takes a connected server down until the person acts (e.g. signs in again, issue 5): the
   * connection closes, `error` becomes the reason `status` and calls report, and there is no retry.
   */
  async holdUntilFixed(error: BrokerError): Promise<void> {
    if (this.current !== 'running' && this.current !== 'crashed') return;
    this.lastErrorText = error.message;
    await this.closeConnection('failed');
  }

  private onClose(generation: number): void {
    if (generation !== this.generation || this.current !== 'running') return;
    const transport = this.connection?.transport;
    this.connection = undefined;
    this.lastErrorText = `${this.connector.describeLoss(transport)}.`;
    this.setState('crashed');
    this.crashHandling = this.afterCrash(transport, generation);
  }

  private async afterCrash(
    transport: UpstreamConnection['transport'] | undefined,
    generation: number,
  ): Promise<void> {
    await settle();
    if (generation !== this.generation) return;
    this.tail.flush();
    const exit = transport?.exit;
    this.lastErrorText = this.withStderr(`${this.connector.describeLoss(transport)}.`);
    this.auditor.crashed(exit, this.deps.redactor.redact(this.lastErrorText));
    this.backoff.noteRunEnded(this.deps.clock.now() - (this.startedAtMs ?? 0));
    this.emit('statusChanged');
    this.retryOrGiveUp(true);
  }

  /**
   * Schedules the next try, unless this failure (when it `counts`) is the `crashLoopLimit`-th in a
   * row of a connector that ends crash loops: then the server stays failed until the person
   * restarts it (or its config or a secret it uses changes), with one `server.gave_up` record.
   */
  private retryOrGiveUp(counts: boolean): void {
    const tries = counts ? this.backoff.noteFailure() : 0;
    if (this.connector.endsCrashLoops !== true || tries < this.deps.timing.crashLoopLimit) {
      this.scheduleRetry();
      return;
    }
    this.clearRetry();
    this.lastErrorText =
      `Stopped after ${String(tries)} failed tries in a row; restart it once the cause is fixed. ` +
      `Last failure: ${this.lastErrorText ?? 'unknown.'}`;
    this.auditor.gaveUp(tries, this.deps.redactor.redact(this.lastErrorText));
    this.setState('failed');
  }

  private scheduleRetry(): void {
    this.clearRetry();
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (generation === this.generation) void this.attemptStart();
    }, this.backoff.next());
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Ends the current process (and any start in progress or pending restart). */
  private async closeConnection(next: UpstreamState): Promise<void> {
    this.clearRetry();
    this.generation += 1;
    const connection = this.connection;
    this.connection = undefined;
    this.setState(next);
    if (!connection) return;
    const pid = connection.transport.spawnedPid;
    await connection.client.close().catch(() => undefined);
    if (pid !== undefined) this.auditor.stopped(pid);
  }
}
