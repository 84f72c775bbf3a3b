import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';

/** Progress of a tool call, as relayed to the client. */
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
  /** Aborting it cancels the upstream request (the SDK sends notifications/cancelled upstream). */
  signal?: AbortSignal;
  /** Receives the upstream's progress notifications. */
  onprogress?: (progress: CallProgress) => void;
  /** Servers the client may use; undefined = all. */
  scope?: ReadonlySet<string>;
}

/**
 * SDK request options for a routed request: the client's signal (cancellation travels upstream),
 * progress relayed (message redacted), and a timeout that each progress notification resets.
 */
export function upstreamRequestOptions(
  ctx: CallContext,
  timeoutMs: number,
  redactor: SecretRedactor,
): RequestOptions {
  const { onprogress, signal } = ctx;
  return {
    timeout: timeoutMs,
    resetTimeoutOnProgress: true,
    ...(signal === undefined ? {} : { signal }),
    ...(onprogress === undefined
      ? {}
      : {
          onprogress: (p) => {
            onprogress({
              progress: p.progress,
              ...(p.total === undefined ? {} : { total: p.total }),
              ...(p.message === undefined ? {} : { message: redactor.redact(p.message) }),
            });
          },
        }),
  };
}
