import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, McpError } from '@modelcontextprotocol/sdk/types.js';

/** Upstream progress, as the server sent it (its token already matched and removed). */
export interface RawProgress {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * A routed request's cancellation, shared by the caller and the channel: the caller calls
 * `cancel` (the client sent notifications/cancelled, or went away); the channel, once the request
 * is on the wire, sets `onCancel` to tell the upstream. No AbortController per call.
 */
export class CancelHandle {
  cancelled = false;
  reason = 'cancelled';
  onCancel: ((reason: string) => void) | undefined;

  cancel(reason: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    this.onCancel?.(reason);
  }
}

export interface RawCallOptions {
  /** Longest the request may take (ms); each progress notification restarts the clock. */
  timeoutMs: number;
  /** Receives the upstream's progress; when set, the request carries a progress token of the channel's. */
  onprogress?: ((progress: RawProgress) => void) | undefined;
  cancel?: CancelHandle | undefined;
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: unknown): void;
  onprogress: ((progress: RawProgress) => void) | undefined;
  timer: NodeJS.Timeout;
}

/** Ids of the channel's requests: strings, so they never meet the SDK client's numeric ids. */
const ID_PREFIX = 'r';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Routed requests to one upstream connection, sent on the connection's transport beside the SDK
 * client (which keeps initialize, the catalog lists and notifications): each request gets an id of
 * the channel's own (its progress token too), the upstream's response is matched by that id and
 * its result handed back as it came, without a schema pass. Everything else the upstream sends goes
 * to the SDK client as before. A closed connection fails every pending request with
 * `ConnectionClosed`, as the SDK client does.
 */
export class UpstreamChannel {
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly transport: Transport) {}

  /** Taps the transport; call after the SDK client connected (it set its own handlers then). */
  attach(): void {
    const sdkMessage = this.transport.onmessage;
    const sdkClose = this.transport.onclose;
    this.transport.onmessage = (message, extra) => {
      if (!this.take(message)) sdkMessage?.(message, extra);
    };
    this.transport.onclose = () => {
      this.failAll(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'));
      sdkClose?.();
    };
  }

  /** Sends `method` upstream; resolves with the result object, rejects with an McpError. */
  call(
    method: string,
    params: Record<string, unknown>,
    options: RawCallOptions,
  ): Promise<Record<string, unknown>> {
    const { cancel, onprogress, timeoutMs } = options;
    if (cancel?.cancelled === true)
      return Promise.reject(new McpError(ErrorCode.InvalidRequest, cancel.reason));
    const id = `${ID_PREFIX}${String((this.nextId += 1))}`;
    const meta = isObject(params['_meta']) ? params['_meta'] : undefined;
    let sentParams = params;
    if (onprogress !== undefined) sentParams = { ...params, _meta: { ...meta, progressToken: id } };
    else if (meta !== undefined && 'progressToken' in meta) {
      const { progressToken: _dropped, ...rest } = meta;
      sentParams = { ...params, _meta: rest };
    }
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.abandon(id, 'timeout');
        reject(new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, onprogress, timer });
      if (cancel) {
        cancel.onCancel = (reason) => {
          if (!this.pending.has(id)) return;
          this.abandon(id, reason);
          reject(new McpError(ErrorCode.InvalidRequest, reason));
        };
      }
      this.transport.send({ jsonrpc: '2.0', id, method, params: sentParams }).catch((error: unknown) => {
        const entry = this.pending.get(id);
        if (!entry) return;
        clearTimeout(entry.timer);
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  /** Stops waiting for `id` and tells the upstream (MCP cancellation). */
  private abandon(id: string, reason: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    this.transport
      .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } })
      .catch(() => undefined);
  }

  /** A response or progress notification of one of the channel's requests: handled here. */
  private take(message: JSONRPCMessage): boolean {
    if ('method' in message) {
      if (message.method !== 'notifications/progress' || 'id' in message) return false;
      const params = message.params;
      const token = params?.['progressToken'];
      const entry = typeof token === 'string' ? this.pending.get(token) : undefined;
      if (!entry || !params) return false;
      entry.timer.refresh();
      const { progress, total, message: text } = params as Record<string, unknown>;
      if (typeof progress === 'number') {
        entry.onprogress?.({
          progress,
          ...(typeof total === 'number' ? { total } : {}),
          ...(typeof text === 'string' ? { message: text } : {}),
        });
      }
      return true;
    }
    const id = 'id' in message ? message.id : undefined;
    const entry = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (!entry || typeof id !== 'string') return false;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    if ('result' in message) {
      if (isObject(message.result)) entry.resolve(message.result);
      else
        entry.reject(
          new McpError(ErrorCode.InternalError, 'The server sent a result that is not an object.'),
        );
    } else if ('error' in message) {
      const { code, message: text, data } = message.error;
      entry.reject(new McpError(code, text, data));
    }
    return true;
  }

  private failAll(error: McpError): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
  }
}
