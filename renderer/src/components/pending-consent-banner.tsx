import { useCallback, useState } from 'react';
import type { BrokerEvent, ConsentRequest } from '../../../main/broker/api/broker-api.js';
import { useBrokerEvents } from '../api-context.js';
import { Countdown } from './feedback.js';

/**
 * "Cursor is waiting for your approval": one line per MCP client whose authorization request waits
 * on the broker's consent page, with a link to that page. Pending requests arrive as live `consent`
 * events (the ones already waiting replay when the window subscribes) and leave when answered or
 * expired; `onSettled` lets the screen reload its list.
 */
export function PendingConsentBanner({ onSettled }: { onSettled?: () => void }) {
  const [pending, setPending] = useState<ConsentRequest[]>([]);
  const onEvent = useCallback(
    (event: BrokerEvent) => {
      if (event.type !== 'consent') return;
      const { consent } = event;
      setPending((list) => [
        ...list.filter((c) => c.id !== consent.id),
        ...(event.state === 'pending' ? [consent] : []),
      ]);
      if (event.state !== 'pending') onSettled?.();
    },
    [onSettled],
  );
  useBrokerEvents(onEvent);
  if (pending.length === 0) return null;
  return (
    <section className="banner banner-warn" aria-label="Pending consent">
      <ul className="plan">
        {pending.map((c) => (
          <li key={c.id}>
            <strong>{c.clientName}</strong> is waiting for your approval to use your MCP servers.{' '}
            <a href={c.url} target="_blank" rel="noreferrer">
              Review the request
            </a>{' '}
            <span className="muted">
              (expires <Countdown until={c.expiresAt} />)
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
