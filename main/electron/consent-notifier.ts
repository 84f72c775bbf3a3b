import type { BrokerEvent } from '../contract/window-api.js';

/** The part of Electron's `Notification` the notifier uses. */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
  close(): void;
}

export interface ConsentNotifierDeps {
  /** The hosted broker's origin, `http://127.0.0.1:<port>`: consent pages must live there. */
  brokerUrl: string;
  /** Electron's `new Notification(…)`; undefined where the OS shows no notifications. */
  createNotification: ((options: { title: string; body: string }) => NotificationLike) | undefined;
  /** Shows (or focuses) the app window on a screen, e.g. `clients`. */
  openWindow(screen?: string): void;
}

/**
 * The desktop app's reaction to `consent` live events: when an MCP client waits on the broker's
 * consent page, a notification says which client and shows the request code; clicking it opens the
 * window on the Clients screen, where the person approves or denies that code (SEC-1: the consent
 * page itself cannot approve). Without notifications the window opens there at once. Events whose
 * page is not on the broker's own origin are ignored.
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
    const create = this.deps.createNotification;
    if (!create) {
      this.shown.set(consent.id, undefined);
      this.deps.openWindow('clients');
      return;
    }
    const notification = create({
      title: `${consent.clientName} asks to use your MCP servers`,
      body: `Request code ${consent.requestCode}. Click to approve or deny it in the broker window.`,
    });
    notification.on('click', () => this.deps.openWindow('clients'));
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
