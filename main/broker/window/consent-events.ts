import type { ConsentRequest } from '../../contract/consent.js';
import type { BrokerEvent } from '../../contract/window-api.js';
import type { PendingConsent, PendingConsents } from '../authz/pending-consents.js';
import type { BrokerApiCore } from './broker-api-core.js';

/** The pending consents as the window's contract carries them. */
export type ConsentSource = Pick<PendingConsents, 'list' | 'subscribe'>;

function view(consent: PendingConsent): ConsentRequest {
  return {
    id: consent.id,
    requestCode: consent.requestCode,
    clientId: consent.clientId,
    clientName: consent.clientName,
    redirectHost: consent.redirectHost,
    scopes: consent.scopes,
    url: consent.url,
    expiresAt: consent.expiresAt,
  };
}

/**
 * Adds `consent` events to the window API's live stream: one when the broker's authorization
 * server shows a consent page to an MCP client's person (`pending`), and one when it is answered or
 * times out. A new subscriber first gets the requests still pending (on the next microtask, after
 * its transport is set up), so a window opened from the notification shows them too. The events
 * carry the client's name and id and the consent page URL — never a code or token.
 */
export function withConsentEvents(api: BrokerApiCore, consents: ConsentSource | undefined): BrokerApiCore {
  if (!consents) return api;
  return {
    ...api,
    onEvent: (listener: (event: BrokerEvent) => void) => {
      const stopCore = api.onEvent(listener);
      const stopConsents = consents.subscribe((state, consent) =>
        listener({ type: 'consent', state, consent: view(consent) }),
      );
      let live = true;
      queueMicrotask(() => {
        if (!live) return;
        for (const consent of consents.list())
          listener({ type: 'consent', state: 'pending', consent: view(consent) });
      });
      return () => {
        live = false;
        stopConsents();
        stopCore();
      };
    },
  };
}
