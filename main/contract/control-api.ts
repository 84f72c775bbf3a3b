import { z } from 'zod';

import { ClientGrantSummarySchema, ConsentRequestSchema } from './consent.js';
import { AccountListingSchema, LogoutResultSchema } from './providers.js';
import { StartingStatusSchema, StatusSchema } from './status.js';
import { BROKER_API_METHODS, ImportResultSchema } from './window-api.js';

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
export const ApproveConsentBodySchema = z
  .object({ scopes: z.array(z.string().min(1).max(200)).max(200).optional() })
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
/** `POST /ui/login-link`: a one-time browser-mode login link on the broker's loopback origin. */
export const UiLoginLinkResponseSchema = z.object({ url: z.string().startsWith('http://127.0.0.1:') });
/** `POST /import`. */
export const ImportResponseSchema = ImportResultSchema;
/** `GET /clients`: OAuth clients with their grants; `persistent` when grants survive a restart. */
export const ClientsResponseSchema = z.object({
  clients: z.array(ClientGrantSummarySchema),
  persistent: z.boolean(),
});
/** `DELETE /clients/:id`: how many grants were revoked. */
export const RevokeClientResponseSchema = z.object({ clientId: z.string(), grants: z.number() });
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
export type ClientsResponse = z.infer<typeof ClientsResponseSchema>;
export type RevokeClientResponse = z.infer<typeof RevokeClientResponseSchema>;
export type ConsentsResponse = z.infer<typeof ConsentsResponseSchema>;
export type ConsentDecisionResponse = z.infer<typeof ConsentDecisionResponseSchema>;
