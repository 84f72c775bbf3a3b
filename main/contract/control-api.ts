import { z } from 'zod';

import { ApiKeySummarySchema, CreatedApiKeySchema } from './api-keys.js';
import { ClientGrantSummarySchema, ConsentRequestSchema } from './consent.js';
import { AccountListingSchema, LogoutResultSchema } from './providers.js';
import { StartingStatusSchema, StatusSchema } from './status.js';
import {
  BROKER_API_METHODS,
  BrokerViaSchema,
  ConnectInfoSchema,
  ImportResultSchema,
  InstallResultSchema,
  UninstallResultSchema,
} from './window-api.js';

/**
 * The control API's contract: what the CLI sends to the running broker over its same-user socket
 * (0600) and what each route answers. The control server parses request bodies with these schemas
 * and the control client parses every answer with its route's response schema, so the CLI never
 * casts a body. Errors are `{code, message}` (the window API's error shape) on every route.
 */

// Request bodies.

/** `PUT /secrets/:name`. */
export const SetSecretBodySchema = z.object({ value: z.string().min(1) }).strict();
/** `POST /import`. */
/** `POST /import`: the window's `runImport` input (source, chosen servers, the person's options). */
export const ImportBodySchema = BROKER_API_METHODS.runImport.input;
/** `POST /consents/:code/approve` (default: the servers the client asked for). */
/** `POST /connect/:client/install`. */
export const InstallBodySchema = z
  .object({ via: BrokerViaSchema.optional(), removeImported: z.boolean().optional() })
  .strict();

export const ApproveConsentBodySchema = z
  .object({ scopes: z.array(z.string().min(1).max(200)).max(200).optional() })
  .strict();
/** How many log lines a log route returns at most. */
export const MAX_LOG_LINES = 10_000;
/** `POST /servers/:name/logs/follow`: the last `lines` lines first (default 100), then new ones. */
export const FollowServerLogBodySchema = z
  .object({ lines: z.number().int().min(0).max(MAX_LOG_LINES).optional() })
  .strict();
/** `POST /providers/:account/login` (its answer is an NDJSON stream of `SignInEvent`s). */
export const LoginBodySchema = z.object({ mode: z.enum(['device', 'browser']) }).strict();

// Response bodies, one per route.

/** `GET /status`: the running broker's status, or `starting` while it is not ready yet. */
export const StatusResponseSchema = z.union([StatusSchema, StartingStatusSchema]);
/** `GET /secrets`: names only, never values. */
export const SecretListResponseSchema = z.object({ names: z.array(z.string()) });
/** `PUT /secrets/:name`: the servers restarted to pick up the new value. */
export const SetSecretResponseSchema = z.object({ restarted: z.array(z.string()) });
/** `DELETE /secrets/:name`. */
export const DeleteSecretResponseSchema = z.object({ deleted: z.boolean() });
/** `POST /servers/:name/restart`. */
export const RestartServerResponseSchema = z.object({ restarted: z.string() });
/**
 * `GET /servers/:name/logs?lines=N` (default 100): the last lines of a server's stderr log, oldest
 * first, each `<ISO time> <text>`, redacted before they were written; broker lines (start, exit)
 * read `<time> ── … ──`. A server that never wrote to stderr (or a remote one) has none.
 */
export const ServerLogResponseSchema = z.object({ server: z.string(), lines: z.array(z.string()) });
/** One NDJSON line of `POST /servers/:name/logs/follow`: a batch of lines as they were written. */
export const ServerLogBatchSchema = z.object({ lines: z.array(z.string()) });
/** `POST /ui/login-link`: a one-time browser-mode login link on the broker's loopback origin. */
export const UiLoginLinkResponseSchema = z.object({ url: z.string().startsWith('http://127.0.0.1:') });
/** `POST /import`. */
export const ImportResponseSchema = ImportResultSchema;

/** `GET /connect`, `POST /connect/:client/install`, `POST /connect/:client/uninstall`. */
export const ConnectInfoResponseSchema = ConnectInfoSchema;
export const InstallResponseSchema = InstallResultSchema;
export const UninstallResponseSchema = UninstallResultSchema;
/** `GET /clients`: OAuth clients with their grants; `persistent` when grants survive a restart. */
export const ClientsResponseSchema = z.object({
  clients: z.array(ClientGrantSummarySchema),
  persistent: z.boolean(),
});
/** `DELETE /clients/:id`: how many grants were revoked. */
export const RevokeClientResponseSchema = z.object({ clientId: z.string(), grants: z.number() });
/** `GET /keys`: API keys, metadata only (never a value or hash). */
export const ApiKeysResponseSchema = z.object({ keys: z.array(ApiKeySummarySchema) });
/** `POST /keys` (body `CreateApiKeyBodySchema`): the new key's value, shown once. */
export const CreateApiKeyResponseSchema = CreatedApiKeySchema;
/** `DELETE /keys/:name`. */
export const RevokeApiKeyResponseSchema = z.object({ name: z.string(), revoked: z.literal(true) });
/** `GET /consents`: consent requests waiting on the person. */
export const ConsentsResponseSchema = z.object({ pending: z.array(ConsentRequestSchema) });
/** `POST /consents/:code/approve` and `…/deny`. */
export const ConsentDecisionResponseSchema = z.object({
  decision: z.enum(['approve', 'deny']),
  consent: ConsentRequestSchema,
});
/** `GET /tokens`: signed-in provider accounts with masked tokens. */
export const TokensResponseSchema = z.object({ accounts: z.array(AccountListingSchema) });
/** `POST /providers/:account/logout`. */
export const LogoutResponseSchema = LogoutResultSchema;

export type RestartServerResponse = z.infer<typeof RestartServerResponseSchema>;
export type ServerLogResponse = z.infer<typeof ServerLogResponseSchema>;
export type ServerLogBatch = z.infer<typeof ServerLogBatchSchema>;
export type ClientsResponse = z.infer<typeof ClientsResponseSchema>;
export type RevokeClientResponse = z.infer<typeof RevokeClientResponseSchema>;
export type ApiKeysResponse = z.infer<typeof ApiKeysResponseSchema>;
export type RevokeApiKeyResponse = z.infer<typeof RevokeApiKeyResponseSchema>;
export type ConsentsResponse = z.infer<typeof ConsentsResponseSchema>;
export type ConsentDecisionResponse = z.infer<typeof ConsentDecisionResponseSchema>;
