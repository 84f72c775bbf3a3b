import { z } from 'zod';

/**
 * Provider accounts (GitHub, Google, … sign-in) as the CLI sees them through the control socket:
 * listings with masked tokens, sign-out outcomes, and the events a sign-in streams. None carries a
 * token value, a device code or a code verifier.
 */

/** What the broker keeps about a signed-in account (also the shape of its metadata file). */
export const AccountMetadataSchema = z.object({
  account: z.string(),
  provider: z.string(),
  subject: z.string().optional(),
  scopes: z.array(z.string()),
  expiresAt: z.number().optional(),
  hasRefreshToken: z.boolean(),
  signedInAt: z.number(),
  refreshedAt: z.number().optional(),
  status: z.enum(['ok', 'signin_needed']),
  /** Why sign-in is needed (an OAuth error code), never a token. */
  reason: z.string().optional(),
});

/** What `tokens` shows: metadata and masked tokens (`gho_…(40 chars)`), never a value. */
export const AccountListingSchema = AccountMetadataSchema.extend({
  accessToken: z.string().optional(),
  refreshToken: z.string().optional(),
});

/** What revoking an account's tokens at the provider came to (RFC 7009). */
export const RevocationOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('revoked') }),
  z.object({ status: z.literal('no_endpoint') }),
  z.object({ status: z.literal('failed'), reason: z.string() }),
]);

/** A sign-out: the revocation outcome, and whether local tokens were there to delete. */
export const LogoutResultSchema = z.object({ revocation: RevocationOutcomeSchema, deleted: z.boolean() });

/**
 * What a sign-in reports while it runs. `login --json` prints one of these per line, and the control
 * API streams them as NDJSON.
 */
export const SignInEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('device_code'),
    account: z.string(),
    verificationUri: z.string(),
    verificationUriComplete: z.string().optional(),
    userCode: z.string(),
    expiresInS: z.number(),
    intervalS: z.number(),
  }),
  z.object({
    event: z.literal('waiting'),
    account: z.string(),
    secondsLeft: z.number(),
    intervalS: z.number(),
  }),
  z.object({ event: z.literal('browser'), account: z.string(), url: z.string() }),
  z.object({
    event: z.literal('success'),
    account: z.string(),
    scopes: z.array(z.string()),
    expiresAt: z.string().optional(),
    subject: z.string().optional(),
    /** A machine client got its token with the client credentials grant: no person signed in. */
    grant: z.literal('client_credentials').optional(),
  }),
  z.object({ event: z.literal('failure'), account: z.string(), code: z.string(), message: z.string() }),
]);

export type AccountMetadata = z.infer<typeof AccountMetadataSchema>;
export type AccountListing = z.infer<typeof AccountListingSchema>;
export type RevocationOutcome = z.infer<typeof RevocationOutcomeSchema>;
export type LogoutResult = z.infer<typeof LogoutResultSchema>;
export type SignInEvent = z.infer<typeof SignInEventSchema>;
