import {
  ApiErrorSchema,
  BROKER_API_METHODS,
  BrokerApiError,
  BrokerEventSchema,
  type ApiInput,
  type ApiOutput,
  type BrokerApi,
  type BrokerApiMethod,
  type BrokerEvent,
} from '../../main/broker/api/broker-api.js';

/** How long the live stream waits before reconnecting after the broker went away. */
const RECONNECT_MS = 2000;

/**
 * `BrokerApi` over browser mode's HTTP bridge: `POST /api/call/<method>` with the session cookie
 * (same origin), and server-sent events at `/api/events`. Answers are parsed with the contract's
 * schemas before the screens see them.
 */
export function createHttpBrokerApi(
  base = '/api',
  fetchImpl: typeof fetch = fetch.bind(globalThis),
): BrokerApi {
  async function call<M extends BrokerApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
    let res: Response;
    try {
      res = await fetchImpl(`${base}/call/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(input),
      });
    } catch {
      throw new BrokerApiError('BROKER_UNREACHABLE', 'The broker does not answer. Is it still running?');
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const error = ApiErrorSchema.safeParse(body);
      throw error.success
        ? new BrokerApiError(error.data.code, error.data.message)
        : new BrokerApiError('HTTP_ERROR', `The broker answered HTTP ${String(res.status)}.`);
    }
    return BROKER_API_METHODS[method].output.parse(body) as ApiOutput<M>;
  }

  const calls = Object.fromEntries(
    (Object.keys(BROKER_API_METHODS) as BrokerApiMethod[]).map((m) => [
      m,
      (input: ApiInput<typeof m>) => call(m, input),
    ]),
  ) as unknown as Omit<BrokerApi, 'onEvent'>;

  return {
    ...calls,
    onEvent(listener: (event: BrokerEvent) => void): () => void {
      let source: EventSource | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stopped = false;
      const open = () => {
        source = new EventSource(`${base}/events`);
        source.onmessage = (message: MessageEvent<string>) => {
          const parsed = BrokerEventSchema.safeParse(JSON.parse(message.data));
          if (parsed.success) listener(parsed.data);
        };
        source.onerror = () => {
          source?.close();
          if (!stopped) timer = setTimeout(open, RECONNECT_MS);
        };
      };
      open();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        source?.close();
      };
    },
  };
}
