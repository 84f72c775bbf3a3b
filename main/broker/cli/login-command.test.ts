import { describe, expect, it } from 'vitest';

import { describeSignInEvent } from './login-command.js';

describe('login output for people', () => {
  it('CL-9 shows the verification URI, the complete URI, the user code and a countdown', () => {
    const start = describeSignInEvent(
      {
        event: 'device_code',
        account: 'github:work',
        verificationUri: 'https://github.com/login/device',
        verificationUriComplete: 'https://github.com/login/device?user_code=ABCD-1234',
        userCode: 'ABCD-1234',
        expiresInS: 900,
        intervalS: 5,
      },
      false,
    );
    expect(start).toBe(
      [
        'To sign in to github:work, open https://github.com/login/device',
        'and enter the code:  ABCD-1234',
        '(or open https://github.com/login/device?user_code=ABCD-1234)',
        'The code expires in 15:00.',
      ].join('\n'),
    );
    expect(
      describeSignInEvent({ event: 'waiting', account: 'a', secondsLeft: 65, intervalS: 10 }, false),
    ).toBe('Waiting for approval… 1:05 left (checking every 10 s)');
  });

  it('prints the browser URL with --no-open and says what it opens otherwise', () => {
    const event = { event: 'browser', account: 'corp', url: 'https://id.example/auth?x=1' } as const;
    expect(describeSignInEvent(event, true)).toBe(
      'Open this URL in your browser to sign in to corp:\nhttps://id.example/auth?x=1',
    );
    expect(describeSignInEvent(event, false)).toContain('Opening your browser to sign in to corp');
    expect(
      describeSignInEvent({ event: 'success', account: 'corp', scopes: ['openid'], subject: 'alice' }, false),
    ).toBe('Signed in to corp as alice. Scopes: openid.');
  });
});
