import { z } from 'zod';

/**
 * MCP clients of the broker's own authorization server: the consent requests waiting on the person,
 * what happened to each, and the clients with their grants (`mcp-auth-broker clients`).
 */

export const ConsentStateSchema = z.enum(['pending', 'granted', 'denied', 'expired']);

/**
 * An MCP client waiting on the broker's consent page (its authorization request, RFC 6749 §4.1.1).
 * `url` is that page on the broker's own origin; no code, token or verifier is ever carried. The
 * person approves or denies it by `requestCode` (the consent page shows the same code).
 */
export const ConsentRequestSchema = z.object({
  /** The authorization request's interaction id (the consent page's path segment). */
  id: z.string(),
  /** Short code the consent page shows; the person approves it by this code (`clients approve`). */
  requestCode: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  /** Scheme and host the browser returns to after the answer. */
  redirectHost: z.string(),
  /** Server scopes asked for (`mcp:servers:<name>`). */
  scopes: z.array(z.string()),
  /** `http://127.0.0.1:<port>/oauth/interaction/<id>`: the consent page, on the broker's own origin. */
  url: z.string(),
  expiresAt: z.string(),
});

/** An OAuth client of the broker's authorization server with what its live grants hold. */
export const ClientGrantSummarySchema = z.object({
  clientId: z.string(),
  clientName: z.string().optional(),
  /** `registered` (RFC 7591) or `metadata-document` (URL client id). */
  kind: z.enum(['registered', 'metadata-document']),
  redirectUris: z.array(z.string()),
  /** Servers-scopes the client holds through live grants. */
  scopes: z.array(z.string()),
  grants: z.number(),
  /** Live refresh tokens (rotations count once). */
  refreshTokens: z.number(),
  consentedAt: z.string().optional(),
});

export type ConsentState = z.infer<typeof ConsentStateSchema>;
export type ConsentRequest = z.infer<typeof ConsentRequestSchema>;
export type ClientGrantSummary = z.infer<typeof ClientGrantSummarySchema>;
