// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';

import { fakeBrokerApi } from '../test-support/fake-broker-api.js';
import { renderWithApi } from '../test-support/render-with-api.js';
import { ClientsScreen } from './clients-screen.js';

afterEach(cleanup);

const apiKeys = {
  available: true,
  keys: [
    {
      name: 'nightly',
      clientId: 'key:nightly',
      servers: ['alpha', 'beta'],
      createdAt: '2026-12-01T10:00:00.000Z',
      expiresAt: '2026-12-31T10:00:00.000Z',
      lastUsedAt: '2026-12-02T08:30:00.000Z',
      expired: false,
    },
    {
      name: 'old-cron',
      clientId: 'key:old-cron',
      servers: ['alpha'],
      createdAt: '2026-01-01T10:00:00.000Z',
      expiresAt: '2026-02-01T10:00:00.000Z',
      expired: true,
    },
  ],
};

describe('Clients screen: API keys (issue 13.7)', () => {
  it('13.7 lists each key with its servers, expiry and last use, never a value', async () => {
    renderWithApi(<ClientsScreen />, fakeBrokerApi({ servers: [], audit: [], apiKeys }));
    const list = await screen.findByRole('list', { name: 'API keys list' });
    const [nightly, old] = within(list).getAllByRole('listitem');
    expect(within(nightly!).getByRole('heading', { name: 'nightly' })).toBeInTheDocument();
    expect(nightly).toHaveTextContent('key:nightly');
    expect(within(nightly!).getByText('alpha')).toBeInTheDocument();
    expect(within(nightly!).getByText('beta')).toBeInTheDocument();
    expect(nightly).toHaveTextContent(new Date('2026-12-31T10:00:00.000Z').toLocaleString());
    expect(nightly).toHaveTextContent(new Date('2026-12-02T08:30:00.000Z').toLocaleString());
    expect(old).toHaveTextContent('expired');
    expect(old).toHaveTextContent(/Last used\s*never/);
    expect(document.body.textContent).not.toMatch(/mab_/);
  });

  it('13.7 revokes a key only after the person confirms', async () => {
    const api = fakeBrokerApi({ servers: [], audit: [], apiKeys });
    const user = userEvent.setup();
    renderWithApi(<ClientsScreen />, api);
    const list = await screen.findByRole('list', { name: 'API keys list' });
    const [nightly] = within(list).getAllByRole('listitem');
    await user.click(within(nightly!).getByRole('button', { name: 'Revoke key' }));
    expect(api.calls.some((c) => c.method === 'revokeApiKey')).toBe(false);
    const confirm = within(nightly!).getByRole('group', { name: 'Revoke API key nightly?' });
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(api.calls.some((c) => c.method === 'revokeApiKey')).toBe(false);
    await user.click(within(nightly!).getByRole('button', { name: 'Revoke key' }));
    await user.click(within(nightly!).getByRole('button', { name: 'Yes, revoke nightly' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'revokeApiKey')?.input).toEqual({ name: 'nightly' }),
    );
    await waitFor(() =>
      expect(api.calls.filter((c) => c.method === 'listApiKeys').length).toBeGreaterThan(1),
    );
  });

  it('13.7 says how to create the first key when there is none', async () => {
    renderWithApi(<ClientsScreen />, fakeBrokerApi({ servers: [], audit: [] }));
    const section = await screen.findByRole('region', { name: 'API keys' });
    expect(await within(section).findByText('No API keys.')).toBeInTheDocument();
    expect(section).toHaveTextContent('mcp-auth-broker keys create NAME --servers a,b');
  });
});
