import { useCallback, useState } from 'react';

import type { ConsentRequest } from '../../../main/contract/consent.js';
import type { BrokerEvent } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useBrokerEvents } from '../api-context.js';
import { Countdown, ErrorBanner } from './feedback.js';

const serverName = (scope: string) => scope.replace(/^mcp:servers:/, '');

/**
 * "Cursor asks to use your MCP servers": one entry per MCP client whose authorization request waits
 * on the broker's consent page, with its request code and Approve / Deny (SEC-1: the consent page
 * itself cannot approve; this window is the person's own session). The page the client opened shows
 * the same code and continues by itself once answered here. Pending requests arrive as live
 * `consent` events (the ones already waiting replay when the window subscribes) and leave when
 * answered or expired; `onSettled` lets the screen reload its list.
 */
export function PendingConsentBanner({ onSettled }: { onSettled?: () => void }) {
  const api = useBrokerApi();
  const action = useAction();
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
      <ErrorBanner error={action.error} onDismiss={action.clear} />
      <ul className="plan">
        {pending.map((c) => (
          <li key={c.id} aria-label={`Consent request ${c.requestCode}`}>
            <strong>{c.clientName}</strong> asks to use your MCP servers
            {c.scopes.length ? `: ${c.scopes.map(serverName).join(', ')}` : ''}. Request code{' '}
            <code>{c.requestCode}</code> — approve only if the consent page in your browser shows the same
            code.{' '}
            <span className="muted">
              Returns to {c.redirectHost}; expires <Countdown until={c.expiresAt} />.
            </span>{' '}
            <button
              type="button"
              disabled={action.busy}
              onClick={() => void action.run(() => api.approveConsent({ requestCode: c.requestCode }))}
            >
              Approve
            </button>{' '}
            <button
              type="button"
              className="danger"
              disabled={action.busy}
              onClick={() => void action.run(() => api.denyConsent({ requestCode: c.requestCode }))}
            >
              Deny
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
