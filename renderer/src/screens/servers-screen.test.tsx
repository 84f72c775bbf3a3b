// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';

import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';

import { fakeBrokerApi, server } from '../test-support/fake-broker-api.js';
import { renderWithApi } from '../test-support/render-with-api.js';
import { ServersScreen } from './servers-screen.js';

afterEach(cleanup);

describe('ServersScreen', () => {
  it('shows each server with its state, secret references, and the last error with its stderr tail', async () => {
    const api = fakeBrokerApi({
      servers: [
        server('github', { env: [{ name: 'GITHUB_TOKEN', secret: 'github-pat' }, { name: 'LOG_LEVEL' }] }),
        server('notes', {
          state: 'failed',
          lastError: 'exited with code 2',
          stderrTail: ['fatal: bad config'],
        }),
      ],
      audit: [],
    });
    renderWithApi(<ServersScreen />, api);
    const github = (await screen.findByRole('heading', { name: 'github' })).closest('li')!;
    expect(within(github).getByText('running')).toBeInTheDocument();
    expect(within(github).getByText(/GITHUB_TOKEN ← secret github-pat/)).toBeInTheDocument();
    const notes = screen.getByRole('heading', { name: 'notes' }).closest('li')!;
    expect(within(notes).getByRole('alert')).toHaveTextContent('exited with code 2');
    expect(within(notes).getByText('fatal: bad config')).toBeInTheDocument();
  });

  it("opens a server's log from disk only when asked (15.3)", async () => {
    const api = fakeBrokerApi({ servers: [server('alpha')], audit: [] });
    const user = userEvent.setup();
    renderWithApi(<ServersScreen />, api);
    await user.click(await screen.findByText('Log'));
    expect(await screen.findByLabelText('alpha log')).toHaveTextContent('listening on stdio');
    expect(api.calls.find((c) => c.method === 'getServerLog')?.input).toEqual({ name: 'alpha', lines: 200 });
  });

  it('restarts and disables a server with the keyboard', async () => {
    const api = fakeBrokerApi({ servers: [server('alpha')], audit: [] });
    const user = userEvent.setup();
    renderWithApi(<ServersScreen />, api);
    const restart = await screen.findByRole('button', { name: 'Restart' });
    restart.focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(api.calls.some((c) => c.method === 'restartServer')).toBe(true));
    await user.click(screen.getByRole('button', { name: 'Disable' }));
    await waitFor(() =>
      expect(api.calls.find((c) => c.method === 'setServerEnabled')?.input).toEqual({
        name: 'alpha',
        enabled: false,
      }),
    );
    expect(await screen.findByRole('button', { name: 'Enable' })).toBeInTheDocument();
  });

  it('explains what to do when there are no servers', async () => {
    renderWithApi(<ServersScreen />, fakeBrokerApi({ servers: [], audit: [] }));
    expect(await screen.findByRole('region', { name: 'No servers yet' })).toHaveTextContent(
      /Paste a server entry/,
    );
  });

  it('previews pasted JSON, shows which env values move to the keychain, then adds the server', async () => {
    const api = fakeBrokerApi({
      servers: [],
      audit: [],
      plan: {
        servers: [
          {
            name: 'github',
            command: 'npx gh',
            secrets: [{ variable: 'GITHUB_TOKEN', secret: 'github-GITHUB_TOKEN' }],
          },
        ],
      },
    });
    const user = userEvent.setup();
    renderWithApi(<ServersScreen />, api);
    await user.click(await screen.findByLabelText('Claude Desktop server entry (JSON)'));
    await user.paste('"github": {"command": "npx"}');
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByRole('list', { name: 'Servers found' })).toHaveTextContent('GITHUB_TOKEN');
    await user.click(screen.getByRole('button', { name: 'Add server' }));
    expect(await screen.findByRole('list', { name: 'Moved into the keychain' })).toHaveTextContent(
      'github-GITHUB_TOKEN',
    );
    expect(api.calls.find((c) => c.method === 'runImport')?.input).toEqual({
      source: { text: '"github": {"command": "npx"}' },
      servers: ['github'],
    });
  });

  it('shows an error that says what happened when an action fails', async () => {
    const api = fakeBrokerApi({ servers: [server('alpha')], audit: [] });
    api.restartServer = () => Promise.reject(new Error('Server "alpha" is disabled in the broker config.'));
    const user = userEvent.setup();
    renderWithApi(<ServersScreen />, api);
    await user.click(await screen.findByRole('button', { name: 'Restart' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('disabled in the broker config');
  });
});
