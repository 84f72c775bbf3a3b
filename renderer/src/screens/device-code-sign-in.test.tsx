// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { App } from '../app.js';
import { fakeBrokerApi, record } from '../test-support/fake-broker-api.js';
import { renderWithApi } from '../test-support/render-with-api.js';
import { CLOSE_AFTER_SUCCESS_MS, DeviceCodeSignIn, signInProviderFromHash } from './device-code-sign-in.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  window.location.hash = '';
});

const CODE = {
  verificationUri: 'https://github.com/login/device',
  verificationUriComplete: 'https://github.com/login/device?user_code=WDJB-MJHT',
  userCode: 'WDJB-MJHT',
};

function api(expiresInMs = 600_000) {
  return fakeBrokerApi({
    servers: [],
    audit: [],
    signIn: { ...CODE, expiresAt: new Date(Date.now() + expiresInMs).toISOString() },
  });
}

const outcome = (type: 'provider.signin' | 'provider.signin_failed', provider: string, message?: string) => ({
  type: 'audit' as const,
  record: record(9, {
    type,
    outcome: type === 'provider.signin' ? 'ok' : 'error',
    secretName: `provider:${provider}:default`,
    ...(message ? { message } : {}),
  }),
});

describe('device-code sign-in window', () => {
  it('the #/sign-in/<provider> route shows only the sign-in, with the code, Copy, Open browser and a countdown', async () => {
    expect(signInProviderFromHash('#/sign-in/github')).toBe('github');
    expect(signInProviderFromHash('#/sign-in/../x')).toBeUndefined();
    window.location.hash = '#/sign-in/github';
    const fake = api();
    renderWithApi(<App />, fake);
    expect(await screen.findByLabelText('User code')).toHaveTextContent('WDJB-MJHT');
    expect(screen.queryByRole('navigation', { name: 'Screens' })).not.toBeInTheDocument();
    expect(fake.calls.filter((c) => c.method === 'signIn').map((c) => c.input)).toContainEqual({
      provider: 'github',
    });
    expect(screen.getByRole('link', { name: 'Open browser' })).toHaveAttribute(
      'href',
      CODE.verificationUriComplete,
    );
    expect(screen.getByRole('region', { name: 'Sign-in in progress' })).toHaveTextContent(
      /expires in (9|10) min/,
    );
    // user-event installs a clipboard stub on navigator; what the button wrote is read back from it.
    await userEvent.setup().click(screen.getByRole('button', { name: 'Copy code' }));
    expect(await navigator.clipboard.readText()).toBe('WDJB-MJHT');
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument();
  });

  it('closes itself after a successful sign-in of its provider, and ignores other providers', async () => {
    const fake = api();
    const closeWindow = vi.fn();
    renderWithApi(<DeviceCodeSignIn provider="github" closeWindow={closeWindow} />, fake);
    await screen.findByLabelText('User code');
    vi.useFakeTimers();
    act(() => fake.emit(outcome('provider.signin', 'google')));
    expect(screen.getByLabelText('User code')).toBeInTheDocument();
    act(() => fake.emit(outcome('provider.signin', 'github')));
    expect(screen.getByRole('status')).toHaveTextContent('Signed in. This window closes itself.');
    expect(closeWindow).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(CLOSE_AFTER_SUCCESS_MS);
    });
    expect(closeWindow).toHaveBeenCalledOnce();
  });

  it('says clearly when the sign-in was denied, and starts a new one on Try again', async () => {
    const fake = api();
    const closeWindow = vi.fn();
    renderWithApi(<DeviceCodeSignIn provider="github" closeWindow={closeWindow} />, fake);
    await screen.findByLabelText('User code');
    const denied = 'Sign-in to "github" was denied on the provider\'s page. Run the login again to retry.';
    act(() => fake.emit(outcome('provider.signin_failed', 'github', denied)));
    expect(await screen.findByRole('alert')).toHaveTextContent('was denied on the provider');
    expect(screen.queryByLabelText('User code')).not.toBeInTheDocument();
    const before = fake.calls.filter((c) => c.method === 'signIn').length;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByLabelText('User code')).toBeInTheDocument();
    expect(fake.calls.filter((c) => c.method === 'signIn').length).toBeGreaterThan(before);
    expect(closeWindow).not.toHaveBeenCalled();
  });

  it('says the code expired when the countdown runs out before the person entered it', async () => {
    renderWithApi(<DeviceCodeSignIn provider="github" closeWindow={vi.fn()} />, api(300));
    await screen.findByLabelText('User code');
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('The code expired before it was entered'),
    );
    expect(screen.queryByLabelText('User code')).not.toBeInTheDocument();
  });
});
