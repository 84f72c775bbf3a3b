import type { Socket } from 'node:net';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineFramer } from './line-framer.js';
import { oversizedError, parseJsonRpcLine } from './jsonrpc-errors.js';

/**
 * MCP transport over a stream socket with newline-delimited JSON-RPC (the stdio framing), used on
 * the broker side of the `connect` shim's channel. Malformed and oversized messages are answered
 * with a JSON-RPC error and the connection stays up.
 */
export class SocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly framer: LineFramer;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    maxBytes?: number,
  ) {
    this.framer = new LineFramer(maxBytes);
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
    return new Promise((resolve) => {
      const flushed = this.socket.write(JSON.stringify(message) + '\n');
      if (flushed) resolve();
      else this.socket.once('drain', () => resolve());
    });
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
