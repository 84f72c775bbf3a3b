import type { AdapterPayload } from 'oidc-provider';

import type { Clock } from '../base/clock.js';
import {
  ClientDocumentError,
  type ClientDocumentFetchOptions,
  fetchClientMetadataDocument,
} from './client-id-metadata-document.js';

const CACHE_MS = 5 * 60_000;
const MAX_ENTRIES = 100;

/**
 * Resolves URL client ids through their metadata documents with a short cache (successes only) and
 * remembers the last failure per id, so the broker's error page can say why a client was refused.
 */
export class ClientDocumentCache {
  private readonly cache = new Map<string, { metadata: AdapterPayload; until: number }>();
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly options: ClientDocumentFetchOptions,
    private readonly clock: Clock,
  ) {}

  /** The metadata, or undefined (the failure reason is then available from `failureFor`). */
  async resolve(clientId: string): Promise<AdapterPayload | undefined> {
    const hit = this.cache.get(clientId);
    if (hit && hit.until > this.clock.now()) return hit.metadata;
    try {
      const metadata = await fetchClientMetadataDocument(clientId, this.options);
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(clientId, { metadata, until: this.clock.now() + CACHE_MS });
      this.failures.delete(clientId);
      return metadata;
    } catch (error) {
      const reason =
        error instanceof ClientDocumentError ? error.message : 'the document could not be fetched';
      if (this.failures.size >= MAX_ENTRIES) this.failures.clear();
      this.failures.set(clientId, reason);
      return undefined;
    }
  }

  failureFor(clientId: string): string | undefined {
    return this.failures.get(clientId);
  }
}
