import type { ApiOutput } from '../../../main/contract/window-api.js';
import { CopyButton, Countdown } from './feedback.js';

/**
 * A sign-in in progress: the device code (RFC 8628 §3.3) with Copy, Open browser and a countdown,
 * or, for a browser sign-in, a note to finish on the provider's page. `window` is the tray's small
 * sign-in window (prominent button, countdown on its own line); `inline` sits on the Providers screen.
 */
export function SignInCode({
  started,
  variant,
}: {
  started: ApiOutput<'signIn'>;
  variant: 'window' | 'inline';
}) {
  const open = started.verificationUriComplete ?? started.verificationUri;
  const countdown = started.expiresAt ? (
    <>
      Code expires <Countdown until={started.expiresAt} />
    </>
  ) : null;
  return (
    <section className="card" aria-label="Sign-in in progress">
      {started.userCode ? (
        <>
          <p>
            Enter this code at <code>{started.verificationUri}</code>
          </p>
          <p className="user-code" aria-label="User code">
            {started.userCode}
          </p>
        </>
      ) : (
        <p>Finish signing in on the provider’s page in your browser.</p>
      )}
      <div className="row">
        {started.userCode ? <CopyButton text={started.userCode} label="Copy code" /> : null}
        {open ? (
          <a
            className={variant === 'window' ? 'button primary' : 'button'}
            href={open}
            target="_blank"
            rel="noreferrer"
          >
            Open browser
          </a>
        ) : null}
        {variant === 'inline' && countdown ? <span className="muted">{countdown}</span> : null}
      </div>
      {variant === 'window' && countdown ? <p className="muted">{countdown}</p> : null}
      <p className="muted" role="status">
        Waiting for you to finish in the browser…
      </p>
    </section>
  );
}
