import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

import type { AuthzStateStore } from './authz-state-store.js';

/** Resolves a URL `client_id` to client metadata (Client ID Metadata Document), or undefined. */
export type ClientMetadataResolver = (clientId: string) => Promise<AdapterPayload | undefined>;

/**
 * oidc-provider storage adapter over the broker's {@link AuthzStateStore}. A `Client` that is not
 * registered is looked up as a Client ID Metadata Document when its id is a URL, so CIMD clients go
 * through the broker's own guarded fetch (https only, size/time limits, private-address guard).
 */
export function createAdapterFactory(
  store: AuthzStateStore,
  resolveClientDocument: ClientMetadataResolver,
): AdapterFactory {
  return (kind: string): Adapter => ({
    upsert(id, payload, expiresIn) {
      store.set(kind, id, payload, expiresIn);
      return Promise.resolve();
    },
    async find(id) {
      const found = store.get(kind, id) as AdapterPayload | undefined;
      if (found || kind !== 'Client' || !/^https?:\/\//i.test(id)) return found;
      return resolveClientDocument(id);
    },
    findByUid(uid) {
      const hit = store.entries(kind).find(([, payload]) => payload['uid'] === uid);
      return Promise.resolve(hit?.[1] as AdapterPayload | undefined);
    },
    findByUserCode(userCode) {
      const hit = store.entries(kind).find(([, payload]) => payload['userCode'] === userCode);
      return Promise.resolve(hit?.[1] as AdapterPayload | undefined);
    },
    consume(id) {
      store.update(kind, id, { consumed: Math.floor(Date.now() / 1000) });
      return Promise.resolve();
    },
    destroy(id) {
      store.delete(kind, id);
      return Promise.resolve();
    },
    revokeByGrantId(grantId) {
      store.deleteWhere((k, payload) => k === kind && payload['grantId'] === grantId);
      return Promise.resolve();
    },
  });
}
