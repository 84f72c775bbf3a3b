import { z } from 'zod';

/**
 * API keys for local non-interactive clients (issue 13 point 7): scripts, cron jobs and agent
 * frameworks that cannot do a browser OAuth flow. The person creates a key over the control socket
 * (`mcp-auth-broker keys create`) or in the window; the broker keeps only its SHA-256 hash. A key's
 * value crosses this contract exactly once, in the answer to its creation — never in a listing.
 */

/** `NAME` of `keys create NAME`: what the key is audited as (`key:NAME`). */
export const ApiKeyNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'a key name is 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** A key as `keys list` and the Clients screen show it: metadata only, never the value or its hash. */
export const ApiKeySummarySchema = z.object({
  name: ApiKeyNameSchema,
  /** The client id its calls are audited under: `key:<name>`. */
  clientId: z.string(),
  /** The servers it may use (its scopes are `mcp:servers:<name>`). */
  servers: z.array(z.string()),
  createdAt: z.iso.datetime(),
  /** Absent: the key does not expire. */
  expiresAt: z.iso.datetime().optional(),
  /** Last accepted request (kept to the minute). */
  lastUsedAt: z.iso.datetime().optional(),
  expired: z.boolean(),
});

/** `POST /keys` on the control socket (and the window's `createApiKey`). */
export const CreateApiKeyBodySchema = z
  .object({
    name: ApiKeyNameSchema,
    servers: z.array(z.string().min(1).max(128)).min(1).max(200),
    /** Lifetime in seconds; absent = no expiry. */
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 24 * 3600)
      .optional(),
  })
  .strict();

/** The one answer that carries the key's value: shown once, never stored in the clear. */
export const CreatedApiKeySchema = z.object({ key: z.string(), summary: ApiKeySummarySchema });

export type ApiKeySummary = z.infer<typeof ApiKeySummarySchema>;
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
