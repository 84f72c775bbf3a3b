import {
  ApiErrorSchema,
  type ApiInput,
  type ApiOutput,
  BROKER_API_METHODS,
  type BrokerApi,
  BrokerApiError,
  type BrokerApiMethod,
  type BrokerEvent,
  BrokerEventSchema,
} from '../../main/contract/window-api.js';

/** How long the live stream waits before reconnecting after the broker went away. */
const RECONNECT_MS = 2000;

/** Header of browser mode's per-session secret (see main/broker/window/ui-session.ts). */
const SESSION_HEADER = 'X-Broker-Session';

/** The `data:` payloads of the complete server-sent events in `buffer`, and what is left over. */
export function splitServerSentEvents(buffer: string): { data: string[]; rest: string } {
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const data = blocks.flatMap((block) => {
    const lines = block.split('\n').filter((l) => l.startsWith('data:'));
    return lines.length ? [lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n')] : [];
  });
  return { data, rest };
}

/**
 * `BrokerApi` over browser mode's HTTP bridge: `POST /api/call/<method>` with the session cookie
 * (same origin) and the session's secret in `X-Broker-Session`, and server-sent events from
 * `/api/events` read with `fetch` (an `EventSource` cannot send the header). Answers are parsed with
 * the contract's schemas before the screens see them.
 */
export function createHttpBrokerApi(
  secret: string | undefined | Promise<string | undefined>,
  base = '/api',
  fetchImpl: typeof fetch = fetch.bind(globalThis),
): BrokerApi {
  const authHeaders = Promise.resolve(secret).then((value): Record<string, string> =>
    value ? { [SESSION_HEADER]: value } : {},
  );

  async function call<M extends BrokerApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
    const auth = await authHeaders;
    let res: Response;
    try {
      res = await fetchImpl(`${base}/call/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
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
      const abort = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deliver = (data: string) => {
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          return;
        }
        const parsed = BrokerEventSchema.safeParse(json);
        if (parsed.success) listener(parsed.data);
      };
      const open = async () => {
        try {
          const auth = await authHeaders;
          const res = await fetchImpl(`${base}/events`, {
            headers: { accept: 'text/event-stream', ...auth },
            credentials: 'same-origin',
            cache: 'no-store',
            signal: abort.signal,
          });
          if (res.ok && res.body) {
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
            let buffer = '';
            for (;;) {
              const chunk = await reader.read();
              if (chunk.done) break;
              const { data, rest } = splitServerSentEvents(buffer + chunk.value);
              buffer = rest;
              data.forEach(deliver);
            }
          }
        } catch {
          // The broker went away or the stream was stopped; reconnect below unless stopped.
        }
        if (!abort.signal.aborted) timer = setTimeout(() => void open(), RECONNECT_MS);
      };
      void open();
      return () => {
        abort.abort();
        if (timer) clearTimeout(timer);
      };
    },
  };
}
