import { z } from 'zod';

/**
 * The audit record's shape, shared by the log (writer and verifier) and the window's API. Plain zod,
 * no Node imports, so the renderer can use it too. Add new event types here.
 */
export const AUDIT_EVENT_TYPES = [
  'broker.start',
  'broker.stop',
  'broker.error',
  'audit.recovered',
  'server.start',
  'server.exit',
  'server.crash',
  'server.start_failed',
  'server.credential',
  'client.connect',
  'client.disconnect',
  'client.backpressure',
  'tool.call',
  'tool.denied',
  'http.denied',
  'mcp.denied',
  'provider.signin',
  'provider.signin_failed',
  'provider.signout',
  'token.refresh',
  'token.refresh_failed',
  'secret.set',
  'secret.delete',
  'client.registered',
  'consent.granted',
  'consent.denied',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'token.denied',
  'authorization.denied',
  'upstream.signin',
  'upstream.token_refresh',
  'upstream.step_up',
  'upstream.registered',
  'upstream.reregister',
  'upstream.auth_failed',
] as const;

const HEX64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');

export const AuditRecordSchema = z.strictObject({
  seq: z.number().int().positive(),
  time: z.iso.datetime(),
  type: z.enum(AUDIT_EVENT_TYPES),
  outcome: z.enum(['ok', 'error', 'denied']).optional(),
  client: z.string().optional(),
  server: z.string().optional(),
  tool: z.string().optional(),
  durationMs: z.number().optional(),
  errorCode: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  secretName: z.string().optional(),
  count: z.number().int().positive().optional(),
  prev: HEX64,
  hash: HEX64,
});
