import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type Provider from 'oidc-provider';

/** An oidc-provider served on 127.0.0.1 at an ephemeral port; its issuer is that origin. */
export interface HostedOidcProvider<P extends Provider> {
  issuer: string;
  provider: P;
  close(): Promise<void>;
}

/**
 * Listens on an ephemeral loopback port, then builds the provider for that issuer with `create`
 * (which may add middleware and listeners) and serves it. Shared by the test authorization servers.
 */
export async function hostOidcProvider<P extends Provider>(
  create: (issuer: string) => P,
): Promise<HostedOidcProvider<P>> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const provider = create(issuer);
  const handler = provider.callback();
  server.on('request', (req, res) => {
    void handler(req, res);
  });
  return {
    issuer,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
