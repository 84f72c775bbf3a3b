import { z } from 'zod';

import { BrokerError } from '../base/errors.js';
import data from './starter-catalog.json' with { type: 'json' };

/**
 * The starter catalog (issue 14.7): the servers people install most, shipped in the repo as
 * `starter-catalog.json` so it is browsable offline. Each is a stdio command with the fields the
 * person fills in once (secret ones go to the keychain, never the config), or a remote URL where
 * the person signs in with OAuth.
 */

const FieldSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    label: z.string().min(1),
    /** The env var it sets; a secret one becomes `{"secret": "<server>-<ENV>"}`. */
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    secret: z.boolean().optional(),
    /** Appended to the command's args (a folder, a repository): never a secret. */
    arg: z.boolean().optional(),
  })
  .strict()
  .refine((f) => (f.env !== undefined) !== (f.arg === true), 'a field sets an env var or an argument')
  .refine((f) => !(f.secret && f.arg), 'an argument cannot be secret (argv is visible to every user)');

export const CatalogServerSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
    title: z.string().min(1),
    description: z.string().min(1),
    homepage: z.url(),
    stdio: z
      .object({ command: z.string().min(1), args: z.array(z.string()) })
      .strict()
      .optional(),
    remote: z
      .object({
        url: z.url(),
        transport: z.enum(['streamable-http', 'sse', 'websocket']).optional(),
        auth: z.literal('none').optional(),
      })
      .strict()
      .optional(),
    fields: z.array(FieldSchema).default([]),
  })
  .strict()
  .refine((s) => (s.stdio === undefined) !== (s.remote === undefined), 'a stdio command or a remote URL');

export type CatalogServer = z.infer<typeof CatalogServerSchema>;

const CatalogSchema = z.object({ version: z.literal(1), servers: z.array(CatalogServerSchema) }).strict();

let parsed: CatalogServer[] | undefined;

/** Every catalog server, validated once. */
export function starterCatalog(): CatalogServer[] {
  parsed ??= CatalogSchema.parse(data).servers;
  return parsed;
}

export function catalogServer(id: string): CatalogServer {
  const found = starterCatalog().find((s) => s.id === id);
  if (!found)
    throw new BrokerError(
      'SERVER_NOT_FOUND',
      `"${id}" is not in the starter catalog (${starterCatalog()
        .map((s) => s.id)
        .join(', ')}). For any other server: add NAME -- COMMAND [ARGS…] or add NAME https://…`,
    );
  return found;
}

/**
 * The config entry for a catalog server and the secrets to store first: `values` by field id
 * (every field is required). Secret fields are referenced by name; their values never reach the entry.
 */
export function catalogEntry(
  server: CatalogServer,
  name: string,
  values: Readonly<Record<string, string>>,
): { entry: Record<string, unknown>; secrets: Record<string, string> } {
  if (server.remote) return { entry: { ...server.remote }, secrets: {} };
  const stdio = server.stdio ?? { command: '', args: [] };
  const args = [...stdio.args];
  const env: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const field of server.fields) {
    const value = values[field.id]?.trim();
    if (!value) throw new BrokerError('USAGE', `${server.title} needs "${field.label}" (field ${field.id}).`);
    if (field.arg) args.push(value);
    else if (field.env && field.secret) {
      const secretName = `${name}-${field.env}`;
      secrets[secretName] = value;
      env[field.env] = { secret: secretName };
    } else if (field.env) env[field.env] = value;
  }
  return { entry: { command: stdio.command, args, ...(Object.keys(env).length ? { env } : {}) }, secrets };
}
