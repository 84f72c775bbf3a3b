// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';

import { fakeBrokerApi, record } from '../test-support/fake-broker-api.js';
import { renderWithApi } from '../test-support/render-with-api.js';
import { ClientsScreen } from './clients-screen.js';
import { ConnectScreen } from './connect-screen.js';
import { ProvidersScreen } from './providers-screen.js';
import { TokensScreen } from './tokens-screen.js';

afterEach(cleanup);

describe('Providers, Tokens, Clients and Connect screens', () => {
  it('explain how to turn on provider sign-in while it is not configured', async () => {
    renderWithApi(<ProvidersScreen />, fakeBrokerApi({ servers: [], audit: [] }));
    expect(await screen.findByRole('region', { name: 'Provider sign-in is not set up' })).toHaveTextContent(
      'add a provider to the config',
    );
  });

  it('sign in with the device code: shows the code, where to enter it and a countdown; sign out', async () => {
    const api = fakeBrokerApi({
      servers: [],
      audit: [],
      providers: {
        available: true,
        providers: [
          {
            id: 'github',
            name: 'GitHub',
            flows: ['device'],
            accounts: [{ id: 'github:work', label: 'octocat', status: 'ok' }],
          },
        ],
      },
      signIn: {
        verificationUri: 'https://github.com/login/device',
        userCode: 'WDJB-MJHT',
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      },
    });
    const user = userEvent.setup();
    renderWithApi(<ProvidersScreen />, api);
    await user.click(await screen.findByRole('button', { name: 'Sign in to GitHub' }));
    expect(await screen.findByLabelText('User code')).toHaveTextContent('WDJB-MJHT');
    expect(screen.getByRole('region', { name: 'Sign-in in progress' })).toHaveTextContent(
      /expires in (9|10) min/,
    );
    expect(screen.getByRole('link', { name: 'Open browser' })).toHaveAttribute(
      'href',
      'https://github.com/login/device',
    );
    act(() => api.emit({ type: 'audit', record: record(5, { type: 'provider.signin', outcome: 'ok' }) }));
    expect(await screen.findByText('Signed in.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'signOut')?.input).toEqual({ account: 'github:work' }),
    );
  });

  it('start the sign-in the tray asked for (#/providers/<id>)', async () => {
    window.location.hash = '#/providers/github';
    const api = fakeBrokerApi({ servers: [], audit: [], signIn: { userCode: 'ABCD-EFGH' } });
    renderWithApi(<ProvidersScreen />, api);
    expect(await screen.findByLabelText('User code')).toHaveTextContent('ABCD-EFGH');
    expect(api.calls.find((c) => c.method === 'signIn')?.input).toEqual({ provider: 'github' });
    expect(window.location.hash).toBe('#/providers');
  });

  it('show tokens masked with scopes and an expiry countdown, and refresh or revoke them', async () => {
    const api = fakeBrokerApi({
      servers: [],
      audit: [],
      tokens: {
        available: true,
        tokens: [
          {
            id: 't1',
            provider: 'github',
            account: 'octocat',
            masked: 'gho_…a1B2',
            scopes: ['repo', 'read:org'],
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
            refreshable: true,
          },
        ],
      },
    });
    const user = userEvent.setup();
    renderWithApi(<TokensScreen />, api);
    expect(await screen.findByLabelText('masked token')).toHaveTextContent('gho_…a1B2');
    expect(screen.getByText('repo read:org')).toBeInTheDocument();
    expect(screen.getByRole('time')).toHaveTextContent(/in (1 h|59 min)/);
    await user.click(screen.getByRole('button', { name: 'Refresh now' }));
    await user.click(screen.getByRole('button', { name: 'Revoke' }));
    await waitFor(() =>
      expect(api.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['refreshToken', 'revokeToken'])),
    );
  });

  it('list approved clients with their grants and revoke one', async () => {
    const api = fakeBrokerApi({
      servers: [],
      audit: [],
      clients: {
        available: true,
        clients: [{ clientId: 'c-1', name: 'Cursor', grants: ['mcp:servers:github'] }],
      },
    });
    const user = userEvent.setup();
    renderWithApi(<ClientsScreen />, api);
    expect(await screen.findByRole('heading', { name: 'Cursor' })).toBeInTheDocument();
    expect(screen.getByText('mcp:servers:github')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Revoke access' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'revokeClient')?.input).toEqual({ clientId: 'c-1' }),
    );
  });

  it('show the Claude Desktop snippet and install it, removing the imported entries (14.5)', async () => {
    const api = fakeBrokerApi({ servers: [], audit: [] });
    const user = userEvent.setup();
    renderWithApi(<ConnectScreen />, api);
    expect(await screen.findByLabelText('Claude Desktop snippet')).toHaveTextContent('"broker"');
    expect(screen.getByText('http://127.0.0.1:47821/mcp')).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: /Remove github from this file/ })).toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Install into Claude Desktop' }));
    expect(await screen.findByRole('status')).toHaveTextContent('removed github');
    expect(api.calls.find((c) => c.method === 'installConnect')?.input).toEqual({
      target: 'claude-desktop',
      removeImported: true,
    });
  });

  it('keep the imported entries when the person unticks the box (14.5)', async () => {
    const api = fakeBrokerApi({ servers: [], audit: [] });
    const user = userEvent.setup();
    renderWithApi(<ConnectScreen />, api);
    await user.click(await screen.findByRole('checkbox', { name: /Remove github/ }));
    await user.click(screen.getByRole('button', { name: 'Install into Claude Desktop' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'installConnect')?.input).toEqual({
        target: 'claude-desktop',
        removeImported: false,
      }),
    );
  });
});
