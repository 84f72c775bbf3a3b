// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';

import { fakeBrokerApi, record } from '../test-support/fake-broker-api.js';
import { renderWithApi } from '../test-support/render-with-api.js';
import { AuditScreen } from './audit-screen.js';

afterEach(cleanup);

describe('AuditScreen', () => {
  it('lists events, appends live ones that match the filter, and charts tool calls per server', async () => {
    const api = fakeBrokerApi({
      servers: [],
      audit: [record(1), record(2, { server: 'beta', tool: 'search' })],
    });
    renderWithApi(<AuditScreen />, api);
    const table = await screen.findByRole('table', { name: 'Audit events' });
    expect(table).toHaveTextContent('search');
    expect(screen.getByRole('figure', { name: 'Tool calls per server over time' })).toHaveTextContent('beta');
    act(() => api.emit({ type: 'audit', record: record(3, { tool: 'live_tool' }) }));
    expect(await screen.findByText('live_tool')).toBeInTheDocument();
  });

  it('sends the filters to the broker and ignores live events that do not match', async () => {
    const api = fakeBrokerApi({ servers: [], audit: [] });
    const user = userEvent.setup();
    renderWithApi(<AuditScreen />, api);
    await user.selectOptions(await screen.findByLabelText('Outcome'), 'denied');
    await waitFor(() =>
      expect(api.calls.filter((c) => c.method === 'queryAudit').at(-1)?.input).toMatchObject({
        outcome: 'denied',
      }),
    );
    act(() => api.emit({ type: 'audit', record: record(9, { tool: 'allowed_call', outcome: 'ok' }) }));
    act(() => api.emit({ type: 'audit', record: record(10, { tool: 'refused_call', outcome: 'denied' }) }));
    expect(await screen.findByText('refused_call')).toBeInTheDocument();
    expect(screen.queryByText('allowed_call')).not.toBeInTheDocument();
  });

  it('verifies the chain and says the result', async () => {
    const user = userEvent.setup();
    renderWithApi(<AuditScreen />, fakeBrokerApi({ servers: [], audit: [record(1)] }));
    await user.click(await screen.findByRole('button', { name: 'Verify chain' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Chain intact: 1 records in 1 file.');
  });
});
