import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RawData, WebSocket } from 'ws';

import { isJsonRpcMessage } from '../jsonrpc/jsonrpc-errors.js';

/** Subprotocol MCP WebSocket clients ask for (the SDK's WebSocket client transport uses it). */
export const MCP_WS_SUBPROTOCOL = 'mcp';

export interface WebSocketTransportOptions {
  /**
   * Runs before each incoming message is delivered, in order; false closes the socket instead
   * (the server side re-checks the access token, so a revoked grant ends the connection).
   */
  admit?: () => Promise<boolean>;
}

/**
 * An MCP transport over one WebSocket (ws library): each text frame is one JSON-RPC message.
 * Usable on both ends — the broker's `/ws` endpoint and test clients that must send headers.
 */
export class WebSocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: WebSocketTransportOptions = {},
  ) {}

  start(): Promise<void> {
    this.socket.on('message', (data: RawData, isBinary: boolean) => {
      this.queue = this.queue.then(() => this.receive(data, isBinary));
    });
    this.socket.on('close', () => this.onclose?.());
    this.socket.on('error', (error: Error) => this.onerror?.(error));
    return Promise.resolve();
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.options.admit && !(await this.options.admit())) return;
    if (isBinary) return this.fail(-32600, 'Invalid Request: binary frames are not MCP messages.');
    let raw: unknown;
    try {
      raw = JSON.parse(rawText(data)) as unknown;
    } catch {
      return this.fail(-32700, 'Parse error: the frame is not JSON.');
    }
    if (!isJsonRpcMessage(raw)) return this.fail(-32600, 'Invalid Request: not a JSON-RPC 2.0 message.');
    this.onmessage?.(raw);
  }

  private async fail(code: number, message: string): Promise<void> {
    this.onerror?.(new Error(message));
    await this.send({ jsonrpc: '2.0', id: null, error: { code, message } } as unknown as JSONRPCMessage);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== this.socket.OPEN) {
        reject(new Error('WebSocket is not open'));
        return;
      }
      this.socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === this.socket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
