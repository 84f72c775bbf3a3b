import type { BrokerEvent } from '../broker/api/broker-api.js';
import type { ExternalLinks } from './external-links.js';

/** The part of Electron's `Notification` the notifier uses. */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
  close(): void;
}

export interface ConsentNotifierDeps {
  /** The hosted broker's origin, `http://127.0.0.1:<port>`: consent pages must live there. */
  brokerUrl: string;
  links: ExternalLinks;
  /** Electron's `new Notification(…)`; undefined where the OS shows no notifications. */
  createNotification: ((options: { title: string; body: string }) => NotificationLike) | undefined;
  openExternal(url: string): unknown;
  /** Shows (or focuses) the app window on a screen, e.g. `clients`. */
  openWindow(screen?: string): void;
}

/**
 * The desktop app's reaction to `consent` live events: when an MCP client waits on the broker's
 * consent page, a notification says which client; clicking it opens that page in the system browser
 * (the browser that started the authorization holds its interaction cookie, and the page keeps its
 * own CSP and anti-framing headers). Without notifications the window opens on the Clients screen,
 * whose banner links to the page. Only consent pages on the broker's own origin are ever opened,
 * and they are added to the `shell.openExternal` allow-list one by one.
 */
export class ConsentNotifier {
  private readonly shown = new Map<string, NotificationLike | undefined>();

  constructor(private readonly deps: ConsentNotifierDeps) {}

  /** Feed every live event; all but `consent` are ignored. */
  handle(event: BrokerEvent): void {
    if (event.type !== 'consent') return;
    const { consent } = event;
    if (event.state !== 'pending') {
      this.shown.get(consent.id)?.close();
      this.shown.delete(consent.id);
      return;
    }
    if (this.shown.has(consent.id) || !this.isConsentPage(consent.url)) return;
    this.deps.links.allow(consent.url);
    const create = this.deps.createNotification;
    if (!create) {
      this.shown.set(consent.id, undefined);
      this.deps.openWindow('clients');
      return;
    }
    const notification = create({
      title: `${consent.clientName} asks to use your MCP servers`,
      body: 'Click to review the request and approve or deny it in your browser.',
    });
    notification.on('click', () => {
      if (this.deps.links.mayOpen(consent.url)) void this.deps.openExternal(consent.url);
    });
    notification.show();
    this.shown.set(consent.id, notification);
  }

  private isConsentPage(url: string): boolean {
    try {
      const parsed = new URL(url);
      return (
        parsed.origin === new URL(this.deps.brokerUrl).origin &&
        parsed.pathname.startsWith('/oauth/interaction/') &&
        parsed.search === '' &&
        parsed.hash === ''
      );
    } catch {
      return false;
    }
  }
}
