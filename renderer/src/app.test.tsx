// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from './app.js';
import { fakeBrokerApi, server } from './test-support/fake-broker-api.js';
import { renderWithApi } from './test-support/render-with-api.js';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('App', () => {
  it('navigates between screens with the keyboard and marks the current one', async () => {
    const user = userEvent.setup();
    renderWithApi(<App />, fakeBrokerApi({ servers: [server('alpha')], audit: [] }));
    expect(await screen.findByRole('heading', { name: 'Servers', level: 2 })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Screens' });
    expect(nav.querySelector('[aria-current="page"]')).toHaveTextContent('Servers');
    screen.getByRole('link', { name: 'Audit' }).focus();
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'Audit', level: 2 })).toBeInTheDocument();
    await waitFor(() => expect(nav.querySelector('[aria-current="page"]')).toHaveTextContent('Audit'));
  });

  it('shows a status line with how many servers run', async () => {
    renderWithApi(
      <App />,
      fakeBrokerApi({ servers: [server('a'), server('b', { state: 'failed' })], audit: [] }),
    );
    expect(await screen.findByText(/1\/2 servers running/)).toBeInTheDocument();
  });

  it('REL-5 says when the audit log cannot be written, and how much was lost', async () => {
    renderWithApi(
      <App />,
      fakeBrokerApi({
        servers: [server('a')],
        audit: [],
        auditStatus: { writable: false, error: 'ENOSPC: no space left on device', lost: 3 },
      }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The audit log cannot be written (ENOSPC: no space left on device)');
    expect(alert).toHaveTextContent('3 records lost so far');
  });
});
