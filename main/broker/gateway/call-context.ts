import { CancelHandle } from '../upstreams/upstream-channel.js';

/** Progress of a routed request, as relayed to the client. */
export interface CallProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** Who is asking, what they may use, and how to reach back. */
export interface CallContext {
  /** Client id or label, for the audit log. */
  client: string;
  /** The audit `clientId`: who the client is, chosen by the broker (OAuth client id or socket label). */
  clientId?: string;
  /** Aborting it cancels the upstream request (notifications/cancelled upstream). */
  signal?: AbortSignal;
  /** The router's cancellation of this request (the client's notifications/cancelled), no signal needed. */
  cancel?: CancelHandle;
  /** Receives the upstream's progress notifications (message scrubbed of secrets). */
  onprogress?: (progress: CallProgress) => void;
  /** Servers the client may use; undefined = all. */
  scope?: ReadonlySet<string>;
}

/** `ctx` with a cancel handle that follows its AbortSignal (for callers that have one). */
export function withCancel(ctx: CallContext): CallContext {
  const signal = ctx.signal;
  if (signal === undefined || ctx.cancel !== undefined) return ctx;
  const cancel = new CancelHandle();
  const reason = () =>
    signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'cancelled');
  if (signal.aborted) cancel.cancel(reason());
  else signal.addEventListener('abort', () => cancel.cancel(reason()), { once: true });
  return { ...ctx, cancel };
}
