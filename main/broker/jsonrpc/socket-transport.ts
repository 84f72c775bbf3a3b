import type { Socket } from 'node:net';

import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

import { oversizedError, parseJsonRpcLine } from './jsonrpc-errors.js';
import { LineFramer } from './line-framer.js';

/** Bytes a connection may have queued for a client that is not reading before notifications are dropped. */
export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Past this many times the soft limit even responses are not queued: the connection is closed. */
const HARD_LIMIT_FACTOR = 4;

export interface SocketTransportOptions {
  /** Largest accepted incoming message (bytes). */
  maxMessageBytes?: number;
  /** Output queue limit (bytes) per connection; see DEFAULT_MAX_QUEUED_BYTES. */
  maxQueuedBytes?: number;
  /**
   * Called when the client stopped reading: once when notifications start being dropped (with the
   * queue size), and once more with `closed: true` if the connection had to be closed.
   */
  onBackpressure?: (event: { droppedNotifications: number; queuedBytes: number; closed: boolean }) => void;
}

/**
 * MCP transport over a stream socket with newline-delimited JSON-RPC (the stdio framing), used on
 * the broker side of the `connect` shim's channel. Malformed and oversized messages are answered
 * with a JSON-RPC error and the connection stays up.
 *
 * The output side is bounded (REL-4): a client that stops reading cannot grow the broker's memory.
 * Past `maxQueuedBytes` queued in the socket, notifications are dropped (counted; reported once per
 * episode); responses and requests are still queued up to `HARD_LIMIT_FACTOR` times the limit, past
 * which the connection is closed. No listener is added per write.
 */
export class SocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly framer: LineFramer;
  private readonly maxQueuedBytes: number;
  private closed = false;
  private dropped = 0;
  private dropping = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: SocketTransportOptions = {},
  ) {
    this.framer = new LineFramer(options.maxMessageBytes);
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  /** Notifications dropped so far because the client was not reading. */
  get droppedNotifications(): number {
    return this.dropped;
  }

  start(): Promise<void> {
    this.socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    this.socket.on('error', (error) => this.onerror?.(error));
    this.socket.on('close', () => {
      this.markClosed();
    });
    return Promise.resolve();
  }

  private onData(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'oversized') {
        void this.send(oversizedError(item.bytes));
        continue;
      }
      const parsed = parseJsonRpcLine(item.line);
      if (parsed.ok) this.onmessage?.(parsed.message);
      else void this.send(parsed.error);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.resolve();
    const queued = this.socket.writableLength;
    // Hysteresis: a drop episode ends only once the client has read most of its queue.
    if (queued < this.maxQueuedBytes / 4) this.dropping = false;
    if (queued < this.maxQueuedBytes) {
      // under the limit: queue it
    } else if (!('id' in message)) {
      this.dropped += 1;
      if (!this.dropping) {
        this.dropping = true;
        this.options.onBackpressure?.({
          droppedNotifications: this.dropped,
          queuedBytes: queued,
          closed: false,
        });
      }
      return Promise.resolve();
    } else if (queued >= this.maxQueuedBytes * HARD_LIMIT_FACTOR) {
      this.options.onBackpressure?.({
        droppedNotifications: this.dropped,
        queuedBytes: queued,
        closed: true,
      });
      this.socket.destroy();
      this.markClosed();
      return Promise.resolve();
    }
    this.socket.write(JSON.stringify(message) + '\n');
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.socket.end();
    this.markClosed();
    return Promise.resolve();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
