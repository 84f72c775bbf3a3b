import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, McpError, type RequestId } from '@modelcontextprotocol/sdk/types.js';

import { CancelHandle } from '../upstreams/upstream-channel.js';
import type { CallContext, CallProgress } from './call-context.js';

/** What the router needs of the gateway: one relay per request (see `Gateway.route`). */
export interface RequestRoute {
  route(method: string, params: Record<string, unknown>, ctx: CallContext): Promise<Record<string, unknown>>;
}

/** The client side of one session: who it is now (the label changes after initialize) and how to answer. */
export interface RouterClient {
  context(): Pick<CallContext, 'client' | 'clientId' | 'scope'>;
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>;
}

/**
 * Methods the session's SDK Server answers itself: the handshake and the aggregated lists (and the
 * log level, which is per session). Every other request is routed.
 */
const SDK_METHODS = new Set([
  'initialize',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'logging/setLevel',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The one cheap shape check at the boundary, per routed method: `undefined` when the params can
 * be routed, else what is wrong (InvalidParams). Results are never checked here: they go back as
 * they came.
 */
function paramsProblem(method: string, params: Record<string, unknown>): string | undefined {
  const optionalObject = (key: string) => params[key] === undefined || isObject(params[key]);
  switch (method) {
    case 'tools/call':
    case 'prompts/get':
      if (typeof params['name'] !== 'string') return 'params.name must be a string';
      return optionalObject('arguments') ? undefined : 'params.arguments must be an object';
    case 'resources/read':
      return typeof params['uri'] === 'string' ? undefined : 'params.uri must be a string';
    case 'completion/complete': {
      const ref = params['ref'];
      if (!isObject(ref) || !isObject(params['argument']))
        return 'params.ref and params.argument must be objects';
      if (ref['type'] === 'ref/prompt')
        return typeof ref['name'] === 'string' ? undefined : 'ref.name must be a string';
      if (ref['type'] === 'ref/resource')
        return typeof ref['uri'] === 'string' ? undefined : 'ref.uri must be a string';
      return 'ref.type must be "ref/prompt" or "ref/resource"';
    }
    default:
      return undefined;
  }
}

function errorBody(error: unknown): { code: number; message: string; data?: unknown } {
  if (error instanceof McpError) {
    const code = Number.isSafeInteger(error.code) ? error.code : ErrorCode.InternalError;
    return { code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
  }
  return { code: ErrorCode.InternalError, message: 'Internal error' };
}

/**
 * The JSON-RPC router of one client session: every request/response method except the handshake
 * and the lists (`SDK_METHODS`) is relayed here without an SDK Server or Client per call — the
 * client's id stays at this layer (the upstream sees its channel's id), names are un-prefixed and
 * checked by the gateway, the client's progress token is mapped to the upstream's and back, the
 * client's `notifications/cancelled` is mapped to the upstream request, and the upstream's result
 * goes back under the client's id. `ping` is answered here. Everything else is left to the SDK.
 */
export class JsonRpcRouter {
  private readonly inFlight = new Map<RequestId, CancelHandle>();

  constructor(
    private readonly gateway: RequestRoute,
    private readonly client: RouterClient,
  ) {}

  /** Takes a message from the client if it is the router's; false = hand it to the SDK Server. */
  handle(message: JSONRPCMessage): boolean {
    if (!('method' in message)) return false;
    if (!('id' in message)) return this.notification(message.method, message.params);
    if (SDK_METHODS.has(message.method)) return false;
    const id = message.id;
    if (message.method === 'ping') {
      void this.reply({ jsonrpc: '2.0', id, result: {} });
      return true;
    }
    const params = message.params ?? {};
    const problem = isObject(params) ? paramsProblem(message.method, params) : 'params must be an object';
    if (problem !== undefined) {
      void this.reply({ jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidParams, message: problem } });
      return true;
    }
    this.relay(id, message.method, params);
    return true;
  }

  /** The session ended: requests still running are cancelled upstream. */
  close(): void {
    for (const cancel of this.inFlight.values()) cancel.cancel('The client disconnected.');
    this.inFlight.clear();
  }

  private notification(method: string, params: Record<string, unknown> | undefined): boolean {
    if (method !== 'notifications/cancelled') return false;
    const requestId = params?.['requestId'];
    const cancel =
      typeof requestId === 'string' || typeof requestId === 'number'
        ? this.inFlight.get(requestId)
        : undefined;
    if (!cancel) return false;
    const reason = params?.['reason'];
    cancel.cancel(typeof reason === 'string' ? reason.slice(0, 200) : 'cancelled');
    return true;
  }

  private relay(id: RequestId, method: string, params: Record<string, unknown>): void {
    const cancel = new CancelHandle();
    this.inFlight.set(id, cancel);
    const meta = params['_meta'];
    const token: unknown = isObject(meta) ? meta['progressToken'] : undefined;
    const onprogress =
      typeof token === 'string' || typeof token === 'number'
        ? (p: CallProgress) =>
            void this.client
              .send(
                { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, ...p } },
                { relatedRequestId: id },
              )
              .catch(() => undefined)
        : undefined;
    const ctx: CallContext = { ...this.client.context(), cancel, ...(onprogress ? { onprogress } : {}) };
    this.gateway.route(method, params, ctx).then(
      (result) => {
        this.settle(id, cancel);
        // A cancelled request is not answered (MCP cancellation).
        if (!cancel.cancelled) void this.reply({ jsonrpc: '2.0', id, result });
      },
      (error: unknown) => {
        this.settle(id, cancel);
        if (!cancel.cancelled) void this.reply({ jsonrpc: '2.0', id, error: errorBody(error) });
      },
    );
  }

  private settle(id: RequestId, cancel: CancelHandle): void {
    if (this.inFlight.get(id) === cancel) this.inFlight.delete(id);
  }

  private reply(message: JSONRPCMessage): Promise<void> {
    return this.client.send(message).catch(() => undefined);
  }
}

/**
 * The transport the session's SDK Server is connected to: the client's real transport, with the
 * router taking its messages first. Handlers already on the real transport (e.g. the HTTP
 * endpoint's `onclose`) are kept, like the SDK's `Protocol.connect` keeps them.
 */
export class RoutedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  constructor(
    private readonly real: Transport,
    router: () => JsonRpcRouter,
  ) {
    const priorMessage = real.onmessage;
    const priorClose = real.onclose;
    const priorError = real.onerror;
    real.onmessage = (message, extra) => {
      priorMessage?.(message, extra);
      if (!router().handle(message)) this.onmessage?.(message, extra);
    };
    real.onclose = () => {
      priorClose?.();
      this.onclose?.();
    };
    real.onerror = (error) => {
      priorError?.(error);
      this.onerror?.(error);
    };
  }

  get sessionId(): string | undefined {
    return this.real.sessionId;
  }

  start(): Promise<void> {
    return this.real.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.real.send(message, options);
  }

  close(): Promise<void> {
    return this.real.close();
  }

  setProtocolVersion(version: string): void {
    this.real.setProtocolVersion?.(version);
  }
}
