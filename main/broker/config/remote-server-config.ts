import { z } from 'zod';

import { isHttpsOrLoopback } from '../net/loopback-host.js';
import { SECRET_NAME_PATTERN } from '../secrets/secret-store.js';
import { ServerPrefixSchema } from './server-prefix.js';

/**
 * A remote MCP server entry (issue 5): reached over the network instead of spawned. Its URL is the
 * MCP endpoint and, for OAuth, the canonical resource URI (RFC 8707 §2, MCP authorization §2.5).
 */

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export const RemoteAuthSchema = z.union(
  [
    z.literal('none'),
    z.literal('oauth'),
    z.object({ provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}(:[a-z0-9][a-z0-9-]{0,31})?$/) }).strict(),
    z
      .object({
        header: z.string().regex(HEADER_NAME, 'an HTTP header name'),
        secret: z.string().regex(SECRET_NAME_PATTERN, 'a secret name'),
        /** Text around the secret, e.g. `Bearer {secret}`. */
        template: z.string().includes('{secret}').optional(),
      })
      .strict(),
  ],
  {
    error:
      'must be "none", "oauth", {"provider": "<id>[:<account>]"} or {"header": "X-Api-Key", "secret": "NAME"}',
  },
);

const SecretRefSchema = z.object({ secret: z.string().regex(SECRET_NAME_PATTERN, 'a secret name') }).strict();

/**
 * A client registered beforehand at the server's authorization server (issue 13.1, 13.2): its id,
 * and for a confidential client a secret (`client_secret_basic` / `_post`) or a private key (JWK or
 * PKCS#8 PEM, `private_key_jwt`), by keychain name only. `client_credentials` makes it a machine
 * client: tokens without a person (RFC 6749 §4.4).
 */
export const RemoteOAuthClientSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: SecretRefSchema.optional(),
    clientKey: SecretRefSchema.optional(),
    grant: z.enum(['authorization_code', 'client_credentials']).default('authorization_code'),
  })
  .strict()
  .refine((o) => o.clientSecret === undefined || o.clientKey === undefined, {
    error: 'give "clientSecret" or "clientKey", not both',
  })
  .refine((o) => o.grant !== 'client_credentials' || o.clientSecret || o.clientKey, {
    error: '"grant": "client_credentials" needs a "clientSecret" or a "clientKey"',
  });
export type RemoteOAuthClient = z.infer<typeof RemoteOAuthClientSchema>;

/** https (or loopback http, for tests) with a non-root path, as CIMD and the SDK require. */
function isClientMetadataUrl(text: string): boolean {
  const url = new URL(text);
  return isHttpsOrLoopback(url) && url.pathname !== '/';
}

/**
 * Longest one tool call, prompt or resource read may take on a server (ms; each progress notification
 * restarts it). Default: the broker's 10 minutes. Stdio and remote entries share it.
 */
/** A server's tool filter, stdio or remote: an allow list or a deny list of upstream tool names. */
export const ToolFilterSchema = z.union(
  [
    z.object({ allow: z.array(z.string().min(1)).min(1) }).strict(),
    z.object({ deny: z.array(z.string().min(1)).min(1) }).strict(),
  ],
  { error: 'must be {"allow": ["tool", …]} or {"deny": ["tool", …]}, not both' },
);

export const CallTimeoutMsSchema = z
  .number({ error: 'milliseconds, e.g. 120000 for two minutes' })
  .int('whole milliseconds')
  .min(1000, 'at least 1000 ms')
  .max(24 * 3_600_000, 'at most 24 hours')
  .optional();

export const RemoteServerSchema = z
  .object({
    url: z.url({
      protocol: /^(https?|wss?)$/,
      error: 'the MCP endpoint URL, e.g. https://mcp.example.com/mcp',
    }),
    transport: z.enum(['streamable-http', 'sse', 'websocket']).default('streamable-http'),
    /** `oauth` (MCP authorization) is the default: it is only used when the server answers 401. */
    auth: RemoteAuthSchema.default('oauth'),
    /** A client id registered with the server's authorization server beforehand (CL-4). */
    clientId: z.string().min(1).optional(),
    /**
     * An https URL (with a path) of this broker's client ID metadata document, used when the AS
     * supports CIMD (CL-4). `http://127.0.0.1…` parses, but is refused at sign-in except in tests.
     */
    clientMetadataUrl: z
      .url({ protocol: /^https?$/, error: 'an https URL of a client ID metadata document' })
      .refine(isClientMetadataUrl, 'an https URL with a path, e.g. https://example.com/mcp-client.json')
      .optional(),
    /** A pre-registered (confidential or machine) client; replaces the plain `clientId`. */
    oauth: RemoteOAuthClientSchema.optional(),
    /** Extra scopes to ask for on top of what the server advertises. */
    scopes: z.array(z.string().min(1)).optional(),
    enabled: z.boolean().default(true),
    callTimeoutMs: CallTimeoutMsSchema,
    prefix: ServerPrefixSchema,
    tools: ToolFilterSchema.optional(),
  })
  .strict()
  .refine((e) => e.oauth === undefined || e.auth === 'oauth', {
    error: '"oauth" is only used with "auth": "oauth"',
    path: ['oauth'],
  })
  .refine((e) => e.oauth === undefined || e.clientId === undefined, {
    error: 'give the client id once: "oauth": {"clientId": …} or "clientId", not both',
    path: ['clientId'],
  });

export type RemoteServerConfig = z.infer<typeof RemoteServerSchema>;

/** True for a raw config entry that describes a remote server (it has a `url`). */
export function isRemoteEntry(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'url' in value;
}
