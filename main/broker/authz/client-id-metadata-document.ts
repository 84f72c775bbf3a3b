import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

import type { AdapterPayload } from 'oidc-provider';

import { isLoopbackHost } from '../net/loopback-host.js';
import { redirectUrisRefusal } from './redirect-uri-policy.js';

/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP
 * authorization 2025-11-25 "Client ID Metadata Documents"): a client whose `client_id` is an https
 * URL publishes its metadata there. The broker fetches it with guards against server-side request
 * forgery: https only, the resolved address checked at connect time (so DNS rebinding cannot slip
 * a private address in), a size and a time limit, no redirects. `allowLoopbackHttp` is a test-only
 * switch that also admits `http://127.0.0.1…` documents (there are no TLS certificates in tests).
 */

export interface ClientDocumentFetchOptions {
  /** TEST ONLY: accept http URLs and loopback addresses (never other private ranges). */
  allowLoopbackHttp: boolean;
  timeoutMs: number;
  maxBytes: number;
}

export const DEFAULT_CLIENT_DOCUMENT_LIMITS = { timeoutMs: 5000, maxBytes: 5 * 1024 } as const;

export class ClientDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientDocumentError';
  }
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Why the broker will not connect to `address`, or undefined. */
export function addressRefusal(address: string, allowLoopback: boolean): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (LOOPBACK.check(ip, family)) return allowLoopback ? undefined : `${ip} is a loopback address`;
  if (PRIVATE.check(ip, family)) return `${ip} is a private or special-use address`;
  return undefined;
}

/** Why `clientId` cannot be a metadata document URL, or undefined. */
export function clientIdUrlRefusal(clientId: string, allowLoopbackHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return 'client_id is not a URL';
  }
  const loopbackHttp = allowLoopbackHttp && url.protocol === 'http:';
  if (url.protocol !== 'https:' && !loopbackHttp) return 'client_id metadata document URLs must use https';
  if (url.hash || clientId.includes('#')) return 'client_id URLs must not contain a fragment';
  if (url.username || url.password) return 'client_id URLs must not contain credentials';
  if (url.pathname === '/' || /\/\.\.?(\/|$)/.test(url.pathname))
    return 'client_id URLs need a path without dot segments';
  if (loopbackHttp && !isLoopbackHost(url.hostname))
    return 'http client_id URLs are allowed only on loopback (test mode)';
  return undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http(s).request that refuses private addresses at connect time. */
function guardedLookup(allowLoopback: boolean) {
  return (hostname: string, options: object, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      // On error `addresses` is undefined: reading it first threw inside this callback, where nothing
      // catches, and one unauthenticated /oauth/authorize with an unresolvable client_id ended the broker.
      if (err) {
        callback(err, []);
        return;
      }
      const refused = addresses.map((a) => addressRefusal(a.address, allowLoopback)).find(Boolean);
      const first = addresses[0];
      if (refused) callback(new ClientDocumentError(`refused to fetch: ${refused}`), []);
      else if ((options as { all?: boolean }).all) callback(null, addresses);
      else if (!first) callback(new ClientDocumentError(`${hostname} did not resolve`), []);
      else callback(null, first.address, first.family);
    });
  };
}

function readLimited(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new ClientDocumentError(`the document is larger than ${String(maxBytes)} bytes`));
      } else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/**
 * GETs the document body with the guards; rejects with ClientDocumentError. `timeoutMs` is a total
 * deadline for connect, headers and body together, not an idle timeout: a server trickling the
 * document byte by byte is cut off at the deadline (SEC-8).
 */
function getDocument(url: URL, options: ClientDocumentFetchOptions): Promise<string> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<string>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error instanceof ClientDocumentError ? error : new ClientDocumentError(error.message));
    };
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        lookup: guardedLookup(options.allowLoopbackHttp),
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new ClientDocumentError(`the document URL answered HTTP ${String(res.statusCode)}`));
          return;
        }
        readLimited(res, options.maxBytes).then((body) => {
          clearTimeout(deadline);
          resolve(body);
        }, fail);
      },
    );
    const deadline = setTimeout(() => {
      fail(new ClientDocumentError('the document did not arrive in time'));
      req.destroy();
    }, options.timeoutMs);
    req.on('error', fail);
    req.end();
  });
}

/** Turns a fetched document into oidc-provider client metadata, enforcing the broker's rules. */
export function clientMetadataFromDocument(clientId: string, body: string): AdapterPayload {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new ClientDocumentError('the document is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ClientDocumentError('the document is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['client_id'] !== clientId)
    throw new ClientDocumentError("the document's client_id does not equal its URL");
  if ('client_secret' in d) throw new ClientDocumentError('the document must not contain a client_secret');
  const method = d['token_endpoint_auth_method'];
  if (method !== undefined && method !== 'none')
    throw new ClientDocumentError('only public clients (token_endpoint_auth_method "none") are supported');
  const refusal = redirectUrisRefusal(d['redirect_uris']);
  if (refusal) throw new ClientDocumentError(refusal);
  const name = typeof d['client_name'] === 'string' ? d['client_name'].slice(0, 100) : undefined;
  const clientUri = typeof d['client_uri'] === 'string' && d['client_uri'].startsWith('https://');
  return {
    client_id: clientId,
    redirect_uris: d['redirect_uris'] as string[],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...(name ? { client_name: name } : {}),
    ...(clientUri ? { client_uri: d['client_uri'] as string } : {}),
  };
}

/** Fetches and validates the metadata document at `clientId`. */
export async function fetchClientMetadataDocument(
  clientId: string,
  options: ClientDocumentFetchOptions,
): Promise<AdapterPayload> {
  const refusal = clientIdUrlRefusal(clientId, options.allowLoopbackHttp);
  if (refusal) throw new ClientDocumentError(refusal);
  const host = new URL(clientId).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const literal = addressRefusal(host, options.allowLoopbackHttp);
    if (literal) throw new ClientDocumentError(`refused to fetch: ${literal}`);
  }
  return clientMetadataFromDocument(clientId, await getDocument(new URL(clientId), options));
}
