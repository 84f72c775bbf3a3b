import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Broker } from '../broker/broker.js';
import type { SignInEvent } from '../broker/providers/sign-in-events.js';
import { remoteAccountId } from '../broker/upstream-oauth/remote-authorizations.js';
import { BrowserJar, windowPerson } from './authz-test-kit.js';
import { fixtureServer } from './broker-process.js';
import { startTestBroker, type TestBrokerOptions } from './in-process-broker.js';
import { memorySecretStore } from './memory-secret-store.js';

/**
 * Two in-process brokers for end-to-end tests of the MCP authorization client against a real
 * MCP authorization server: broker B runs a fixture stdio server `alpha` behind its own `/mcp`
 * and its own authorization server (CIMD, DCR, consent page); broker A has B as its remote server
 * `remote`. A client ID metadata document for A is served on 127.0.0.1, which B admits only
 * because the test sets its loopback-documents flag (and A its loopback-document-URL flag).
 */
export interface BrokerPair {
  a: Broker;
  b: Broker;
  /** `http://127.0.0.1:<port>/mcp-client.json` */
  documentUrl: string;
  /** Paths the document server was asked for. */
  documentRequests: string[];
  /** The audit log of broker `which`. */
  auditText(which: 'a' | 'b'): string;
  /** Signs `remote` in through broker A, approving on B's consent page; returns A's events. */
  signIn(): Promise<SignInEvent[]>;
  stop(): Promise<void>;
}

export interface BrokerPairOptions {
  /** Extra fields of A's `remote` entry; `clientMetadataUrl` defaults to the served document. */
  entry?: (documentUrl: string, b: Broker) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Admit A's http document URL (default true). */
  allowLoopbackClientMetadataUrl?: boolean;
}

async function serveDocument(log: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    log.push(req.url ?? '');
    const document = {
      client_id: url,
      client_name: 'MCP Auth Broker (test A)',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
    if (req.url !== '/mcp-client.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/mcp-client.json`;
  return { server, url };
}

/** One broker of the pair: its own temp dir, memory store, and 15 s for its servers to start. */
function startBroker(servers: Record<string, unknown>, extra: TestBrokerOptions) {
  return startTestBroker({
    tmpPrefix: 'mab-pair-',
    servers,
    config: { secretStore: { type: 'keychain' } },
    secretStore: memorySecretStore(),
    serverStartWaitMs: 15_000,
    ...extra,
  });
}

/** The person approving on B's consent page, then their browser delivering the code to A. */
async function approveAtB(b: Broker, url: string): Promise<void> {
  const consents = b.authz?.pendingConsents;
  if (!consents) throw new Error('B has no authorization server');
  const jar = new BrowserJar(b.url, windowPerson(consents));
  let end = await jar.walk(url);
  if (end.kind === 'page') end = await jar.answer(end, 'approve');
  if (end.kind !== 'redirect')
    throw new Error(`B showed a page instead of redirecting: ${end.html.slice(0, 300)}`);
  await (await fetch(end.location)).text();
}

export async function startBrokerPair(options: BrokerPairOptions = {}): Promise<BrokerPair> {
  const documentRequests: string[] = [];
  const doc = await serveDocument(documentRequests);
  const kitB = await startBroker(
    { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) },
    { allowLoopbackClientDocuments: true },
  );
  const b = kitB.broker;
  const extra = (await options.entry?.(doc.url, b)) ?? { clientMetadataUrl: doc.url };
  const kitA = await startBroker(
    { remote: { url: `${b.url}/mcp`, ...extra } },
    { allowLoopbackClientMetadataUrl: options.allowLoopbackClientMetadataUrl ?? true },
  );
  const a = kitA.broker;
  return {
    a,
    b,
    documentUrl: doc.url,
    documentRequests,
    auditText: (which) => (which === 'a' ? kitA : kitB).auditText(),
    signIn: async () => {
      const events: SignInEvent[] = [];
      let person: Promise<void> | undefined;
      const onEvent = (event: SignInEvent) => {
        events.push(event);
        if (event.event === 'browser') person = approveAtB(b, event.url);
      };
      const signal = new AbortController().signal;
      await a.control.providerLogin(remoteAccountId('remote'), 'browser', onEvent, signal);
      await person;
      return events;
    },
    stop: async () => {
      await kitA.stop();
      await kitB.stop();
      doc.server.closeAllConnections();
      await new Promise((r) => doc.server.close(r));
    },
  };
}
