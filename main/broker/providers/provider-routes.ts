import type { IncomingMessage, ServerResponse } from 'node:http';

import { LoginBodySchema } from '../../contract/control-api.js';
import type { AccountListing, LogoutResult } from '../../contract/providers.js';
import { BrokerError, messageOf } from '../base/errors.js';
import { readJsonBody, sendJson } from '../net/http-json.js';
import { type Route, route } from '../net/route-table.js';
import type { SignInEvent, SignInListener } from './sign-in-events.js';

/** What the control API can ask of the broker about provider accounts (issue 3). */
export interface ProviderControl {
  providerLogin(
    account: string,
    mode: 'device' | 'browser',
    onEvent: SignInListener,
    signal: AbortSignal,
  ): Promise<void>;
  providerLogout(account: string): Promise<LogoutResult>;
  providerTokens(): Promise<AccountListing[]>;
}

/**
 * `POST /providers/:account/login` runs the sign-in inside the broker (the one owner of refresh) and
 * streams its events back as NDJSON, one SignInEvent per line, ending with `success` or `failure`;
 * the sign-in is aborted when the CLI goes away. `POST /providers/:account/logout`, `GET /tokens`.
 */
async function login(control: ProviderControl, req: IncomingMessage, res: ServerResponse, account: string) {
  const body = LoginBodySchema.safeParse(await readJsonBody(req));
  if (!body.success) throw new BrokerError('USAGE', 'Body must be {"mode": "device" | "browser"}.');
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('the CLI went away'));
  });
  let last: SignInEvent | undefined;
  const onEvent = (event: SignInEvent) => {
    last = event;
    res.write(JSON.stringify(event) + '\n');
  };
  try {
    await control.providerLogin(account, body.data.mode, onEvent, abort.signal);
  } catch (error) {
    if (last?.event !== 'failure') {
      const code = error instanceof BrokerError ? error.code : 'SIGNIN_FAILED';
      onEvent({ event: 'failure', account, code, message: messageOf(error) });
    }
  }
  res.end();
}

export function providerRoutes(control: ProviderControl): Route[] {
  return [
    route('POST', '/providers/:account/login', (req, res, { account }) => login(control, req, res, account)),
    route('POST', '/providers/:account/logout', async (_q, res, { account }) =>
      sendJson(res, 200, await control.providerLogout(account)),
    ),
    route('GET', '/tokens', async (_q, res) =>
      sendJson(res, 200, { accounts: await control.providerTokens() }),
    ),
  ];
}
