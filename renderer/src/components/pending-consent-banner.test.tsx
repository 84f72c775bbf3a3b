// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import type { BrokerEvent } from '../../../main/contract/window-api.js';
import { ClientsScreen } from '../screens/clients-screen.js';
import { fakeBrokerApi, type FakeState } from '../test-support/fake-broker-api.js';
import { renderWithApi } from '../test-support/render-with-api.js';

afterEach(cleanup);

const consent = (state: 'pending' | 'granted' | 'denied', id = 'u1'): BrokerEvent => ({
  type: 'consent',
  state,
  consent: {
    id,
    requestCode: id === 'u1' ? 'ABCD-EFGH' : 'JKMN-PQRS',
    clientId: 'c1',
    clientName: 'Cursor',
    redirectHost: 'cursor://anysphere.cursor-mcp',
    scopes: ['mcp:servers:alpha'],
    url: `http://127.0.0.1:47821/oauth/interaction/${id}`,
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
  },
});

describe('Clients screen: pending consent', () => {
  it('SEC-1 shows the request code with Approve and Deny while a client waits, approves by that code, and reloads the list once answered', async () => {
    const state: FakeState = { servers: [], audit: [], clients: { available: true, clients: [] } };
    const api = fakeBrokerApi(state);
    renderWithApi(<ClientsScreen />, api);
    await screen.findByRole('region', { name: 'No approved clients' });
    expect(screen.queryByRole('region', { name: 'Pending consent' })).not.toBeInTheDocument();
    act(() => api.emit(consent('pending')));
    const banner = await screen.findByRole('region', { name: 'Pending consent' });
    expect(banner).toHaveTextContent('Cursor asks to use your MCP servers: alpha');
    expect(banner).toHaveTextContent('ABCD-EFGH');
    expect(banner).toHaveTextContent('cursor://anysphere.cursor-mcp');
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    act(() => screen.getByRole('button', { name: 'Approve' }).click());
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'approveConsent')?.input).toEqual({
        requestCode: 'ABCD-EFGH',
      }),
    );
    state.clients = {
      available: true,
      clients: [{ clientId: 'c1', name: 'Cursor', grants: ['mcp:servers:alpha'] }],
    };
    act(() => api.emit(consent('granted')));
    expect(screen.queryByRole('region', { name: 'Pending consent' })).not.toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Cursor' })).toBeInTheDocument();
    expect(screen.getByText('mcp:servers:alpha')).toBeInTheDocument();
  });

  it('lists each waiting client once, however often its request is announced', async () => {
    const api = fakeBrokerApi({ servers: [], audit: [] });
    renderWithApi(<ClientsScreen />, api);
    await screen.findByRole('region', { name: 'No approved clients' });
    act(() => {
      api.emit(consent('pending', 'u1'));
      api.emit(consent('pending', 'u1'));
      api.emit(consent('pending', 'u2'));
    });
    expect(await screen.findAllByRole('button', { name: 'Deny' })).toHaveLength(2);
    act(() => screen.getAllByRole('button', { name: 'Deny' })[1]?.click());
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'denyConsent')?.input).toEqual({ requestCode: 'JKMN-PQRS' }),
    );
    act(() => api.emit(consent('denied', 'u1')));
    expect(screen.getAllByRole('button', { name: 'Deny' })).toHaveLength(1);
  });
});
