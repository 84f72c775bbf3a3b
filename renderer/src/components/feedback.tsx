import { type ReactNode, useEffect, useState } from 'react';

import { BrokerApiError } from '../../../main/contract/window-api.js';

/** An error as the person reads it: what happened (the broker's message says how to fix it). */
export function ErrorBanner({ error, onDismiss }: { error: Error | undefined; onDismiss?: () => void }) {
  if (!error) return null;
  const code = error instanceof BrokerApiError ? error.code : undefined;
  return (
    <div className="banner banner-error" role="alert">
      <p>
        {error.message}
        {code ? <span className="code"> ({code})</span> : null}
      </p>
      {onDismiss ? (
        <button type="button" className="ghost" onClick={onDismiss} aria-label="Dismiss error">
          ✕
        </button>
      ) : null}
    </div>
  );
}

/** What is missing and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="empty" aria-label={title}>
      <h3>{title}</h3>
      <div>{children}</div>
    </section>
  );
}

/** Copies `text` to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) return;
    const timer = setTimeout(() => setDone(false), 1500);
    return () => clearTimeout(timer);
  }, [done]);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => setDone(true));
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** "in 4 min 10 s" / "expired", updated every second. */
export function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.round((Date.parse(until) - now) / 1000);
  if (Number.isNaN(left)) return <span>unknown</span>;
  if (left <= 0) return <span className="bad">expired</span>;
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  return (
    <time dateTime={until} title={until}>
      in {h > 0 ? `${String(h)} h ` : ''}
      {m > 0 ? `${String(m)} min ` : ''}
      {h === 0 ? `${String(s)} s` : ''}
    </time>
  );
}

/** A state badge (running, failed …) with text, not colour alone. */
export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'off'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
