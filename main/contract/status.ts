import { z } from 'zod';

import { AuditHealthSchema } from './audit.js';

/**
 * The broker's status: `mcp-auth-broker status` (over the control socket), the window's Servers
 * screen and tray, and the live `status` event all carry this one shape. All text in it is redacted.
 */

export const ServerStateSchema = z.enum(['starting', 'running', 'crashed', 'failed', 'disabled', 'stopped']);

/** One configured MCP server as the gateway reports it. */
export const ServerStatusSchema = z.object({
  name: z.string(),
  state: ServerStateSchema,
  pid: z.number().optional(),
  enabled: z.boolean(),
  toolCount: z.number(),
  /** Exposed names of the tools it offers (filters applied). */
  tools: z.array(z.string()),
  /** Start attempts after the first (automatic restarts and explicit ones). */
  restarts: z.number(),
  /** Why it is not running, with the last stderr lines. */
  lastError: z.string().optional(),
  /**
   * Failed or crashed: whether the broker tries again by itself. False once it gave up after a crash
   * loop (issue 15 point 4) or after an error only the person can fix; then it stays down until
   * restarted, or until its config or a secret it uses changes.
   */
  retrying: z.boolean().optional(),
  stderrTail: z.array(z.string()),
  /** ISO time the current process finished starting. */
  startedAt: z.string().optional(),
});

/** A server as the window shows it: its status plus how it is configured. */
export const ServerInfoSchema = ServerStatusSchema.extend({
  /** Program and arguments as configured (env values are never shown). */
  command: z.string().optional(),
  /** Env variable names, each with the secret it references, if any. */
  env: z.array(z.object({ name: z.string(), secret: z.string().optional() })).optional(),
});

export const StatusSchema = z.object({
  broker: z.object({
    pid: z.number(),
    version: z.string(),
    url: z.string(),
    startedAt: z.string(),
    secretStore: z.string(),
    clients: z.number(),
    configPath: z.string().optional(),
    paused: z.boolean().optional(),
  }),
  servers: z.array(ServerInfoSchema),
  /** Whether the audit log can be written (false on a full or read-only disk; records are lost). */
  audit: AuditHealthSchema.optional(),
});

/**
 * The status while the broker holds its lock but is not ready yet (no url, no servers): what the
 * control socket answers to `GET /status` during start-up.
 */
export const StartingStatusSchema = z.object({
  state: z.literal('starting'),
  broker: z.object({ pid: z.number(), version: z.string(), startedAt: z.string() }),
});

export type ServerState = z.infer<typeof ServerStateSchema>;
export type ServerStatus = z.infer<typeof ServerStatusSchema>;
export type ServerInfo = z.infer<typeof ServerInfoSchema>;
export type Status = z.infer<typeof StatusSchema>;
export type StartingStatus = z.infer<typeof StartingStatusSchema>;
