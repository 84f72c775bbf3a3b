import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import { readBody } from '../net/read-body.js';
import { cliCommand } from '../runtime/cli-command.js';
import { consentPageBody, errorPageBody, sendPage } from './consent-page.js';
import { ConsentRegistry } from './consent-registry.js';
import { type ConsentDecision, INTERACTION_PREFIX, type PendingConsents } from './pending-consents.js';

/** The only account at the broker: the person logged in to this machine. */
export const LOCAL_ACCOUNT = 'local-user';

const MAX_FORM_BYTES = 16 * 1024;
/** How often the waiting consent page reloads to pick up the person's decision. */
const WAIT_REFRESH_S = 2;
const ANSWERED =
  'This authorization request was already answered. Start again from the client if it did not continue.';
const APPROVE_ELSEWHERE = () =>
  'This page cannot approve a request: approve it in the MCP Auth Broker window, from its notification, ' +
  `or with "${cliCommand('clients approve <request code>')}". This page continues by itself once you have.`;

export interface ConsentInteractionDeps {
  provider: Provider;
  consents: ConsentRegistry;
  /** The resource every token is for: the broker's `/mcp` URL. */
  resource: string;
  /** Scopes the broker offers, one per configured server, keyed by server name. */
  serverScopes: Map<string, string>;
  /** Requests waiting on the person, and the person's decisions on them. */
  pending: PendingConsents;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const body = await readBody(req, MAX_FORM_BYTES);
  return body && new URLSearchParams(body.toString('utf8'));
}

function requestedScopes(details: Details): string[] {
  const scope = details.params['scope'];
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/**
 * The consent step of oidc-provider's interactions, rendered by the broker (checklist CD-1, SEC-1).
 * The page a client's browser opens only shows the request and its short request code: whoever
 * started the request holds everything the page holds, so nothing on it can approve. The person
 * approves from their own session (the desktop window, a browser-mode UI session, or
 * `mcp-auth-broker clients approve CODE` over the control socket); the page reloads itself and,
 * once decided, finishes exactly this interaction for exactly this browser (oidc-provider's
 * interaction cookie binds the two). A consent is remembered per client and exact redirect URI, so
 * a second authorization for the same servers does not ask again — but a request with a different
 * redirect URI (another loopback port, which any local process could listen on) asks again.
 */
export class ConsentInteraction {
  private readonly csrfKey = randomBytes(32);

  constructor(private readonly deps: ConsentInteractionDeps) {}

  private csrfFor(uid: string): string {
    return createHmac('sha256', this.csrfKey).update(uid).digest('base64url');
  }

  private csrfValid(uid: string, given: string | null): boolean {
    const expected = Buffer.from(this.csrfFor(uid));
    const actual = Buffer.from(given ?? '');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Route handler for `/oauth/interaction/<uid>` (GET shows or continues, POST cancels). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let details: Details;
    try {
      details = await this.deps.provider.interactionDetails(req, res);
    } catch {
      sendPage(
        res,
        400,
        'Request expired',
        errorPageBody(
          'invalid_request',
          'This authorization request has expired or was opened in another browser. Start again from the client.',
        ),
      );
      return;
    }
    if (req.method === 'GET') await this.show(req, res, details);
    else if (req.method === 'POST') await this.cancel(req, res, details);
    else sendPage(res, 405, 'Method not allowed', errorPageBody('invalid_request', 'Use GET or POST.'));
  }

  private offered(details: Details) {
    const asked = new Set(requestedScopes(details));
    const anyAsked = [...this.deps.serverScopes.values()].some((s) => asked.has(s));
    return [...this.deps.serverScopes].map(([name, scope]) => ({
      name,
      scope,
      requested: anyAsked ? asked.has(scope) : true,
    }));
  }

  private async show(req: IncomingMessage, res: ServerResponse, details: Details): Promise<void> {
    const clientId = String(details.params['client_id']);
    const redirectUri = String(details.params['redirect_uri']);
    const decision = this.deps.pending.take(details.uid);
    if (decision === 'taken') {
      sendPage(res, 409, 'Already answered', errorPageBody('invalid_request', ANSWERED));
      return;
    }
    if (decision !== undefined && decision !== 'pending') {
      await this.complete(req, res, details, decision);
      return;
    }
    const offered = this.offered(details);
    const wanted = offered.filter((s) => s.requested).map((s) => s.scope);
    const prompt = details.params['prompt'];
    const forced = typeof prompt === 'string' && prompt.split(' ').includes('consent');
    const remembered =
      forced || decision === 'pending'
        ? undefined
        : await this.deps.consents.covering(clientId, redirectUri, wanted);
    if (remembered) {
      await this.finish(req, res, remembered);
      return;
    }
    const client = await this.deps.provider.Client.find(clientId);
    const clientName = client?.clientName ?? clientId;
    const redirectHost = redirectHostOf(redirectUri);
    const request = this.deps.pending.shown({
      id: details.uid,
      clientId,
      clientName,
      redirectHost,
      scopes: wanted,
      offered: offered.map((s) => s.scope),
      expiresAtMs: details.exp * 1000,
    });
    sendPage(
      res,
      200,
      'Approve MCP client',
      consentPageBody({
        action: `${INTERACTION_PREFIX}/${details.uid}`,
        csrf: this.csrfFor(details.uid),
        requestCode: request.requestCode,
        clientName,
        clientId,
        redirectHost,
        servers: offered,
      }),
      { refreshSeconds: WAIT_REFRESH_S },
    );
  }

  /** The consent page's own button: the requesting browser gives up (never approves). */
  private async cancel(req: IncomingMessage, res: ServerResponse, details: Details): Promise<void> {
    const form = await readForm(req);
    if (!form || !this.csrfValid(details.uid, form.get('csrf'))) {
      sendPage(
        res,
        403,
        'Refused',
        errorPageBody(
          'invalid_request',
          "The form was not submitted from the broker's consent page (CSRF check failed).",
        ),
      );
      return;
    }
    if (form.get('decision') !== 'deny') {
      sendPage(res, 403, 'Approve in your own session', errorPageBody('access_denied', APPROVE_ELSEWHERE()));
      return;
    }
    this.deps.pending.cancelled(details.uid);
    await this.denied(req, res);
  }

  private async complete(
    req: IncomingMessage,
    res: ServerResponse,
    details: Details,
    decision: ConsentDecision,
  ): Promise<void> {
    if (decision.state === 'denied') {
      await this.denied(req, res);
      return;
    }
    const clientId = String(details.params['client_id']);
    const grantId = await this.saveGrant(clientId, details, decision.scopes);
    await this.deps.consents.remember(
      clientId,
      String(details.params['redirect_uri']),
      grantId,
      decision.scopes,
    );
    await this.finish(req, res, grantId);
  }

  private denied(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.deps.provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The person denied this client access to the broker.',
    });
  }

  private async saveGrant(clientId: string, details: Details, chosen: string[]): Promise<string> {
    const grant = new this.deps.provider.Grant({ accountId: LOCAL_ACCOUNT, clientId });
    const rejected = requestedScopes(details).filter((s) => !chosen.includes(s) && s.startsWith('mcp:'));
    // Server scopes are both resource scopes (they go into the access token) and listed provider
    // scopes (so metadata advertises them); the grant records them as both.
    const openid = requestedScopes(details).includes('openid') ? ['openid'] : [];
    if (chosen.length) grant.addResourceScope(this.deps.resource, chosen);
    if (chosen.length || openid.length) grant.addOIDCScope([...chosen, ...openid]);
    if (rejected.length) {
      grant.rejectResourceScope(this.deps.resource, rejected);
      grant.rejectOIDCScope(rejected);
    }
    return grant.save();
  }

  private finish(req: IncomingMessage, res: ServerResponse, grantId: string): Promise<void> {
    return this.deps.provider.interactionFinished(
      req,
      res,
      { login: { accountId: LOCAL_ACCOUNT }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }
}

function redirectHostOf(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host ? `${url.protocol}//${url.host}` : `${url.protocol}//${url.pathname.split('/')[0] ?? ''}`;
  } catch {
    return uri;
  }
}
