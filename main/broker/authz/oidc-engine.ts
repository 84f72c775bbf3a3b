import type * as OidcProviderModule from 'oidc-provider';

import type { Logger } from '../base/logger.js';

/** The oidc-provider module (its default export is the Provider class, `errors` its error classes). */
export type OidcEngine = typeof OidcProviderModule;

let loading: Promise<OidcEngine> | undefined;

/**
 * Loads oidc-provider on first use rather than at import time: it prints a runtime warning to stderr
 * when evaluated on Node 20, and every CLI command (whose stderr/stdout tests and scripts read) imports
 * the broker. The warning goes to the debug log instead.
 */
export function loadOidcEngine(logger: Logger): Promise<OidcEngine> {
  loading ??= (async () => {
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
      logger.debug({ engine: args.map(String).join(' ') }, 'oidc-provider notice');
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = original;
    }
  })();
  return loading;
}
