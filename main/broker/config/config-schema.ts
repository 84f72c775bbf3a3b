import { z } from 'zod';

import { ProviderEnvRefSchema, ProvidersSchema } from '../providers/provider-config.js';
import { SECRET_NAME_PATTERN } from '../secrets/secret-store.js';
import {
  CallTimeoutMsSchema,
  isRemoteEntry,
  type RemoteServerConfig,
  RemoteServerSchema,
  ToolFilterSchema,
} from './remote-server-config.js';
import { prefixConflict, ServerPrefixSchema } from './server-prefix.js';

/**
 * The broker's config file. Server entries use Claude Desktop's shape (`command`, `args`, `env`) so
 * people can paste theirs; an env value is either a literal string or a reference to a named secret.
 */

/** Server names become tool prefixes (`<server>__<tool>`), so no underscores and a short length. */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;

export const SecretRefSchema = z
  .object({
    secret: z
      .string()
      .regex(SECRET_NAME_PATTERN, 'a secret name: letters, digits, ".", "_", ":" or "-" (max 128)'),
    /** When true and the secret does not exist, the variable is left out instead of failing the start. */
    optional: z.boolean().optional(),
  })
  .strict();

export const EnvValueSchema = z.union([z.string(), SecretRefSchema, ProviderEnvRefSchema], {
  error: 'must be a string or {"secret": "<name>"} or {"provider": "<provider>[:<account>]"}',
});

export const StdioServerSchema = z
  .object({
    command: z.string().min(1, 'the program to run, e.g. "npx" or an absolute path'),
    args: z.array(z.string()).default([]),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an env var name'), EnvValueSchema)
      .default({}),
    cwd: z.string().optional(),
    enabled: z.boolean().default(true),
    callTimeoutMs: CallTimeoutMsSchema,
    prefix: ServerPrefixSchema,
    tools: ToolFilterSchema.optional(),
  })
  .strict();

/** A stdio entry, or a remote one (issue 5) when it has a `url`; issues keep their JSON paths. */
export const ServerEntrySchema = z.unknown().transform((value, ctx) => {
  const result = isRemoteEntry(value)
    ? RemoteServerSchema.safeParse(value)
    : StdioServerSchema.safeParse(value);
  if (result.success) return result.data;
  // Re-raised as they are (code and path kept), so config errors read the same as before.
  for (const issue of result.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

/** Moves remote entries out of `servers` (stdio only, as before) into `remoteServers`. */
function splitRemoteServers<T extends { servers: Record<string, StdioServerConfig | RemoteServerConfig> }>(
  config: T,
): Omit<T, 'servers'> & {
  servers: Record<string, StdioServerConfig>;
  remoteServers: Record<string, RemoteServerConfig>;
} {
  const servers: Record<string, StdioServerConfig> = {};
  const remoteServers: Record<string, RemoteServerConfig> = {};
  for (const [name, entry] of Object.entries(config.servers)) {
    if ('url' in entry) remoteServers[name] = entry;
    else servers[name] = entry;
  }
  return { ...config, servers, remoteServers };
}

export const SecretStoreConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('keychain'),
      /** Keychain service name; change it only to keep separate sets of secrets. */
      service: z.string().min(1).default('mcp-auth-broker'),
    })
    .strict(),
  z
    .object({
      type: z.literal('encrypted-file'),
      /** Defaults to `<dataDir>/secrets.enc.json`. The passphrase comes from MCP_AUTH_BROKER_PASSPHRASE. */
      path: z.string().optional(),
    })
    .strict(),
]);

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    servers: z
      .record(
        z.string().regex(SERVER_NAME_PATTERN, 'a server name: 1-32 letters, digits or "-" (no "_")'),
        ServerEntrySchema,
      )
      .default({}),
    /** Sign-in providers (issue 3): presets (github, google, entra) or discovered issuers. */
    providers: ProvidersSchema.default({}),
    secretStore: SecretStoreConfigSchema.default({ type: 'keychain', service: 'mcp-auth-broker' }),
    /** Loopback port of the HTTP endpoint; 0 picks a free one. `--port` overrides it. */
    port: z.number().int().min(0).max(65535).optional(),
    audit: z
      .object({
        /** Rotate the active audit file when it grows past this many bytes. */
        maxFileBytes: z
          .number()
          .int()
          .min(4096)
          .default(10 * 1024 * 1024),
      })
      .strict()
      .default({ maxFileBytes: 10 * 1024 * 1024 }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const conflict = prefixConflict(
      Object.entries(config.servers).map(([name, entry]) => [name, entry.prefix] as const),
    );
    if (conflict !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['servers', conflict.server, 'prefix'],
        message: conflict.message,
      });
    }
  })
  .transform(splitRemoteServers);

export type BrokerConfig = z.infer<typeof ConfigSchema>;
export type StdioServerConfig = z.infer<typeof StdioServerSchema>;
export type { RemoteServerConfig } from './remote-server-config.js';
export type ToolFilter = z.infer<typeof ToolFilterSchema>;
export type SecretStoreConfig = z.infer<typeof SecretStoreConfigSchema>;
