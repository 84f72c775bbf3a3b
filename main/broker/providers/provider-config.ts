import { z } from 'zod';

import { BrokerError } from '../base/errors.js';
import { SECRET_NAME_PATTERN } from '../secrets/secret-store.js';

/**
 * Provider sign-in config: `"providers": {"github": {"preset": "github", "clientId": "…"}, "corp":
 * {"issuer": "https://id.corp.example", "clientId": "…"}}` and the env references that hand a signed-in
 * account's access token to a server: `{"provider": "github", "account": "work", "template": "Bearer
 * {access_token}"}` (or `"provider": "github:work"`).
 */

/** Provider ids and account labels: short, lowercase, no `:` (that separates them). */
export const PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

export const PRESET_NAMES = ['github', 'google', 'entra'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const ProviderConfigSchema = z
  .object({
    /** Built-in endpoints and quirks of a provider without (usable) discovery. */
    preset: z.enum(PRESET_NAMES).optional(),
    /** Issuer of a generic provider, discovered via RFC 8414 / OpenID Connect Discovery. */
    issuer: z.url().optional(),
    /** Base URL override of a preset: GitHub Enterprise Server, Entra national clouds. */
    authority: z.url().optional(),
    clientId: z.string().min(1),
    /** A confidential client's secret, by keychain name only — never inline. */
    clientSecret: z
      .object({ secret: z.string().regex(SECRET_NAME_PATTERN, 'a secret name') })
      .strict()
      .optional(),
    scopes: z.array(z.string().min(1)).optional(),
    /** RFC 8707 resource indicator to request tokens for (skipped where a preset says the provider rejects it). */
    resource: z.url().optional(),
    /** Microsoft Entra tenant (id, domain, `organizations`, `common`). */
    tenant: z.string().min(1).optional(),
    /** A fixed loopback redirect port, for providers that need an exactly registered redirect URI. */
    redirectPort: z.number().int().min(1).max(65535).optional(),
  })
  .strict()
  .refine((p) => (p.preset === undefined) !== (p.issuer === undefined), {
    error: 'give exactly one of "preset" (github, google, entra) or "issuer"',
  });

export const ProvidersSchema = z.record(
  z.string().regex(PROVIDER_ID_PATTERN, 'a provider id: 1-32 lowercase letters, digits or "-"'),
  ProviderConfigSchema,
);

export const ProviderEnvRefSchema = z
  .object({
    /** `github` or `github:work`. */
    provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}(:[a-z0-9][a-z0-9-]{0,31})?$/, 'provider[:account]'),
    account: z.string().regex(PROVIDER_ID_PATTERN, 'an account label').optional(),
    /** Text around the token, e.g. `Bearer {access_token}`. */
    template: z.string().includes('{access_token}', { error: 'must contain {access_token}' }).optional(),
  })
  .strict();

export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
export type ProviderEnvRef = z.infer<typeof ProviderEnvRefSchema>;

/** A signed-in account: `github` (the default account) or `github:work`. */
export interface AccountId {
  provider: string;
  label: string | undefined;
  /** Canonical text form: `provider` or `provider:label`. */
  id: string;
}

/** Parses `provider[:label]`; throws USAGE on anything else. */
export function parseAccountId(text: string): AccountId {
  const [provider = '', label, extra] = text.split(':');
  const ok =
    PROVIDER_ID_PATTERN.test(provider) &&
    extra === undefined &&
    (label === undefined || PROVIDER_ID_PATTERN.test(label));
  if (!ok) {
    throw new BrokerError(
      'USAGE',
      `"${text.slice(0, 70)}" is not an account: use <provider> or <provider>:<label> (lowercase letters, digits, "-").`,
    );
  }
  return { provider, label, id: label === undefined ? provider : `${provider}:${label}` };
}

/** The account an env reference points at. */
export function accountOfRef(ref: ProviderEnvRef): AccountId {
  const parsed = parseAccountId(ref.provider);
  return ref.account === undefined ? parsed : parseAccountId(`${parsed.provider}:${ref.account}`);
}

/** The keychain item (and audit `secretName`) of an account: `provider:github:work` (`…:default`). */
export function tokenSecretName(account: AccountId): string {
  return `provider:${account.provider}:${account.label ?? 'default'}`;
}

/** The env value a reference produces from an access token. */
export function applyTemplate(ref: ProviderEnvRef, accessToken: string): string {
  return ref.template === undefined ? accessToken : ref.template.split('{access_token}').join(accessToken);
}
