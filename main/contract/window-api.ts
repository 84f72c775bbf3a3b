import { z } from 'zod';

import { ApiKeyNameSchema, ApiKeySummarySchema } from './api-keys.js';
import { AuditPageSchema, AuditQuerySchema, AuditRecordSchema, AuditVerifySchema } from './audit.js';
import { ConsentRequestSchema, ConsentStateSchema } from './consent.js';
import { StatusSchema } from './status.js';

/**
 * The one contract between the broker and its window. The desktop app's preload bridge (Electron
 * IPC) and browser mode's HTTP bridge both implement {@link BrokerApi}; every call's input and output
 * is described by a zod schema in {@link BROKER_API_METHODS}, so each transport parses what crosses
 * it. Like all of main/contract/, it imports nothing but zod (ESLint enforces it), so the renderer
 * and the preload use it as is.
 *
 * Values of secrets and tokens never cross this contract: only names, masked forms and metadata.
 */

const Name = z.string().min(1).max(128);

/** A feature another part of the broker provides, with what to do while it is missing. */
const Availability = {
  available: z.boolean(),
  /** When unavailable: what is missing and how to turn it on. */
  message: z.string().optional(),
};

export const ProviderListSchema = z.object({
  ...Availability,
  providers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      flows: z.array(z.enum(['device', 'pkce'])),
      accounts: z.array(z.object({ id: z.string(), label: z.string(), status: z.string() })),
    }),
  ),
});

export const TokenListSchema = z.object({
  ...Availability,
  tokens: z.array(
    z.object({
      id: z.string(),
      provider: z.string(),
      account: z.string(),
      /** e.g. "gho_…a1B2" — never the value. */
      masked: z.string(),
      scopes: z.array(z.string()),
      expiresAt: z.string().optional(),
      refreshable: z.boolean(),
    }),
  ),
});

export const ClientListSchema = z.object({
  ...Availability,
  clients: z.array(
    z.object({
      clientId: z.string(),
      name: z.string(),
      grants: z.array(z.string()),
      approvedAt: z.string().optional(),
    }),
  ),
});

/** API keys of local non-interactive clients (issue 13.7): metadata only, never a value. */
export const ApiKeyListSchema = z.object({
  ...Availability,
  keys: z.array(ApiKeySummarySchema),
});

/** The starter catalog (issue 14.7): what each server needs, never a value. */
export const CatalogSchema = z.object({
  servers: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      description: z.string(),
      homepage: z.string(),
      /** The command it runs, or the remote URL where the person signs in. */
      command: z.string().optional(),
      url: z.string().optional(),
      fields: z.array(z.object({ id: z.string(), label: z.string(), secret: z.boolean() })),
    }),
  ),
});

/** Adding a server: from the catalog with its field values, or any command, or any remote URL. */
export const AddServerRequestSchema = z.union([
  z
    .object({ name: Name, catalog: Name, values: z.record(z.string(), z.string().max(65536)).default({}) })
    .strict(),
  z.object({ name: Name, command: z.string().min(1), args: z.array(z.string()).default([]) }).strict(),
  z
    .object({
      name: Name,
      url: z.url(),
      transport: z.enum(['streamable-http', 'sse', 'websocket']).optional(),
    })
    .strict(),
]);

export const AddServerResultSchema = z.object({
  name: z.string(),
  /** Keychain secrets stored for it (names only). */
  secrets: z.array(z.string()),
});

/** The MCP clients the broker installs itself into. */
export const ConnectTargetSchema = z.enum([
  'claude-desktop',
  'claude-code',
  'cursor',
  'vscode',
  'windsurf',
  'gemini',
  'codex',
  'zed',
]);

/** How a client reaches the broker: the stdio shim, or the loopback `/mcp` URL with OAuth. */
export const BrokerViaSchema = z.enum(['stdio', 'http']);

export const ConnectInfoSchema = z.object({
  /** The URL any other MCP client can use (it signs in with OAuth). */
  mcpUrl: z.string(),
  targets: z.array(
    z.object({
      id: ConnectTargetSchema,
      label: z.string(),
      path: z.string(),
      exists: z.boolean(),
      /** True when the file already has the broker entry. */
      installed: z.boolean(),
      /** The entry kind this client handles best, and the kinds it accepts. */
      via: BrokerViaSchema,
      accepts: z.array(BrokerViaSchema),
      snippet: z.string(),
      /** Entries of this file that were imported into the broker: removed at install by default. */
      moved: z.array(z.string()),
      /** Why the file could not be read. */
      problem: z.string().optional(),
    }),
  ),
});

export const InstallRequestSchema = z
  .object({
    target: ConnectTargetSchema,
    via: BrokerViaSchema.optional(),
    /** Remove the entries that now live in the broker (default: yes, when there are any). */
    removeImported: z.boolean().optional(),
  })
  .strict();

export const InstallResultSchema = z.object({
  path: z.string(),
  via: BrokerViaSchema,
  /** The sealed copy of the previous file that `uninstall` restores. */
  backup: z.string().optional(),
  /** Entries taken out of the client's file (they live in the broker now). */
  removed: z.array(z.string()),
});

export const UninstallResultSchema = z.object({
  path: z.string(),
  /** `exact`: byte for byte; `merged`: the client changed the file since, so only the broker's
   * changes were undone; `entry`: there was no backup, the broker entry was removed. */
  restored: z.enum(['exact', 'merged', 'entry']),
  returned: z.array(z.string()),
});

export const ImportSourceSchema = z.union([
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  /** Several client files at once (`import --all`): identical entries become one server. */
  z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(50) }).strict(),
  z
    .object({
      text: z
        .string()
        .min(1)
        .max(1024 * 1024),
    })
    .strict(),
]);

/** Where an imported server came from: client, file, and the key path of the entry in that file. */
export const ImportOriginSchema = z.object({
  client: z.string(),
  file: z.string().optional(),
  path: z.array(z.string()),
});

/** The person's choices about an import (`import --no-secret/--secret/--update`, or the window). */
export const ImportOptionsSchema = z
  .object({
    /** Secret ids (`SERVER.VAR`, `SERVER.args[N]`, `SERVER.url`, `SERVER.header.NAME`) to leave as they are. */
    noSecret: z.array(z.string().min(1).max(300)).max(500).optional(),
    /** Ids whose whole value is a secret although detection said no. */
    secret: z.array(z.string().min(1).max(300)).max(500).optional(),
    /** Replace servers that already exist, keeping their tools, enabled and prefix. */
    update: z.boolean().optional(),
  })
  .strict();

export const ImportPlanSchema = z.object({
  servers: z.array(
    z.object({
      name: z.string(),
      /** Command line (stdio) or URL (remote), every secret shown as `${VAR}`. */
      command: z.string(),
      /** import (stdio), convert (to a remote server), update (re-import) or skip. */
      action: z.enum(['import', 'convert', 'update', 'skip']).optional(),
      kind: z.enum(['stdio', 'remote']).optional(),
      origins: z.array(ImportOriginSchema).optional(),
      /** What the import changed or cannot carry over (cmd /c unwrapped, mcp-remote converted …). */
      notes: z.array(z.string()).optional(),
      enabled: z.boolean().optional(),
      /** Values that will move into the secret store (names only, never values). */
      secrets: z.array(
        z.object({
          variable: z.string(),
          secret: z.string(),
          /** Why the secret name is not `<server>-<VAR>` (that name was already taken), or reuse/set-later. */
          note: z.string().optional(),
          /** Override handle for `--no-secret` / `--secret`. */
          id: z.string().optional(),
          place: z.enum(['env', 'arg', 'url', 'header']).optional(),
          /** Why it counts as a secret ("a GitHub token (gh*_)" …). */
          reason: z.string().optional(),
          action: z.enum(['move', 'reuse', 'set-later']).optional(),
        }),
      ),
      /** Why it cannot be imported (name clash, secret in a URL …), if so. */
      problem: z.string().optional(),
    }),
  ),
});

export const ImportResultSchema = z.object({
  imported: z.array(z.string()),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** Which values moved into the secret store (names only). */
  moved: z.array(
    z.object({
      server: z.string(),
      variable: z.string(),
      secret: z.string(),
      note: z.string().optional(),
      id: z.string().optional(),
      action: z.enum(['move', 'reuse', 'set-later']).optional(),
    }),
  ),
  /** For each imported server, the client file entries it stands for (for install to remove them). */
  origins: z.array(z.object({ server: z.string(), origins: z.array(ImportOriginSchema) })).optional(),
});

export const BrokerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audit'), record: AuditRecordSchema }),
  z.object({ type: z.literal('status'), status: StatusSchema }),
  /** A consent page was shown (`pending`), answered, or timed out; pending ones replay on subscribe. */
  z.object({
    type: z.literal('consent'),
    state: ConsentStateSchema,
    consent: ConsentRequestSchema,
  }),
]);

const Empty = z.object({}).strict().default({});
const RequestCode = z.string().min(1).max(32);
const Ok = z.object({ ok: z.literal(true) });

/** Every call of the contract: its input and output schemas. The key is the call's name. */
export const BROKER_API_METHODS = {
  getStatus: { input: Empty, output: StatusSchema },
  restartServer: { input: z.object({ name: Name }).strict(), output: Ok },
  setServerEnabled: { input: z.object({ name: Name, enabled: z.boolean() }).strict(), output: Ok },
  pauseAllServers: { input: z.object({ paused: z.boolean() }).strict(), output: Ok },
  planImport: { input: ImportSourceSchema, output: ImportPlanSchema },
  runImport: {
    input: z
      .object({
        source: ImportSourceSchema,
        servers: z.array(Name).max(200).optional(),
        options: ImportOptionsSchema.optional(),
      })
      .strict(),
    output: ImportResultSchema,
  },
  queryAudit: { input: AuditQuerySchema, output: AuditPageSchema },
  exportAudit: { input: AuditQuerySchema, output: z.object({ jsonl: z.string() }) },
  verifyAudit: { input: Empty, output: AuditVerifySchema },
  listSecrets: { input: Empty, output: z.object({ names: z.array(z.string()) }) },
  listCatalog: { input: Empty, output: CatalogSchema },
  addServer: { input: AddServerRequestSchema, output: AddServerResultSchema },
  removeServer: { input: z.object({ name: Name }).strict(), output: Ok },
  getServerLog: {
    input: z.object({ name: Name, lines: z.number().int().min(1).max(2000).optional() }).strict(),
    output: z.object({ server: z.string(), lines: z.array(z.string()) }),
  },
  getConnectInfo: { input: Empty, output: ConnectInfoSchema },
  installConnect: { input: InstallRequestSchema, output: InstallResultSchema },
  uninstallConnect: {
    input: z.object({ target: ConnectTargetSchema }).strict(),
    output: UninstallResultSchema,
  },
  listProviders: { input: Empty, output: ProviderListSchema },
  signIn: {
    input: z.object({ provider: Name }).strict(),
    output: z.object({
      /** Where the person signs in (a device flow's `verification_uri`, or the browser page). */
      verificationUri: z.string().optional(),
      /** The same page with the code filled in, when the provider offers it (RFC 8628 §3.3.1). */
      verificationUriComplete: z.string().optional(),
      userCode: z.string().optional(),
      /** When the device code expires. */
      expiresAt: z.string().optional(),
    }),
  },
  signOut: { input: z.object({ account: Name }).strict(), output: Ok },
  listTokens: { input: Empty, output: TokenListSchema },
  refreshToken: { input: z.object({ id: Name }).strict(), output: Ok },
  revokeToken: { input: z.object({ id: Name }).strict(), output: Ok },
  listClients: { input: Empty, output: ClientListSchema },
  revokeClient: { input: z.object({ clientId: z.string().min(1).max(2048) }).strict(), output: Ok },
  listApiKeys: { input: Empty, output: ApiKeyListSchema },
  /** Revokes an API key at once: the next request that sends it gets 401. */
  revokeApiKey: { input: z.object({ name: ApiKeyNameSchema }).strict(), output: Ok },
  /**
   * The person approves a waiting consent request by its request code (SEC-1), granting `scopes`
   * (default: the servers it asked for). Only the person's own sessions reach this call.
   */
  approveConsent: {
    input: z
      .object({ requestCode: RequestCode, scopes: z.array(z.string().min(1).max(200)).max(200).optional() })
      .strict(),
    output: Ok,
  },
  denyConsent: { input: z.object({ requestCode: RequestCode }).strict(), output: Ok },
} as const;

export type BrokerApiMethod = keyof typeof BROKER_API_METHODS;
export type ApiInput<M extends BrokerApiMethod> = z.input<(typeof BROKER_API_METHODS)[M]['input']>;
export type ApiOutput<M extends BrokerApiMethod> = z.output<(typeof BROKER_API_METHODS)[M]['output']>;
/** A call's input after parsing (defaults applied). */
export type ApiParsedInput<M extends BrokerApiMethod> = z.output<(typeof BROKER_API_METHODS)[M]['input']>;

export type ProviderList = z.infer<typeof ProviderListSchema>;
export type TokenList = z.infer<typeof TokenListSchema>;
export type ClientList = z.infer<typeof ClientListSchema>;
export type ApiKeyList = z.infer<typeof ApiKeyListSchema>;
export type ConnectTarget = z.infer<typeof ConnectTargetSchema>;
export type ImportSource = z.infer<typeof ImportSourceSchema>;
export type ImportPlan = z.infer<typeof ImportPlanSchema>;
export type ImportResult = z.infer<typeof ImportResultSchema>;
export type ImportOptions = z.infer<typeof ImportOptionsSchema>;
export type BrokerEvent = z.infer<typeof BrokerEventSchema>;

/** The calls, one function each, plus the live event stream. */
export type BrokerApiCalls = {
  [M in BrokerApiMethod]: (input: ApiInput<M>) => Promise<ApiOutput<M>>;
};

/** The server side: each call gets its input already parsed by the transport (defaults applied). */
export type BrokerApiHandlers = {
  [M in BrokerApiMethod]: (input: ApiParsedInput<M>) => Promise<ApiOutput<M>>;
};

export interface BrokerApi extends BrokerApiCalls {
  /** Live updates (audit events, server state). Returns the function that stops them. */
  onEvent(listener: (event: BrokerEvent) => void): () => void;
}

/** Error shape every transport returns: a stable code and a message that says what to do. */
export const ApiErrorSchema = z.object({ code: z.string(), message: z.string() });

/** Thrown on the renderer side when a call fails; `code` is the broker's stable error code. */
export class BrokerApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BrokerApiError';
  }
}

/** Parses a call's input; throws BrokerApiError `BAD_REQUEST` naming the first problem. */
export function parseApiInput<M extends BrokerApiMethod>(method: M, input: unknown): ApiParsedInput<M> {
  const result = BROKER_API_METHODS[method].input.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new BrokerApiError(
      'BAD_REQUEST',
      `Invalid arguments for ${method}${where}: ${issue?.message ?? ''}`,
    );
  }
  return result.data as ApiParsedInput<M>;
}

export function isBrokerApiMethod(name: string): name is BrokerApiMethod {
  return Object.hasOwn(BROKER_API_METHODS, name);
}
