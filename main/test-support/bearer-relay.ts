import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST ONLY: a loopback HTTP relay that adds `Authorization: Bearer <token>` to every request and
 * forwards it to the broker — for tools (the MCP conformance runner) that cannot send a token.
 * Host and Origin naming the relay are rewritten to the broker's port; any other Host or Origin is
 * forwarded unchanged, so the broker's DNS-rebinding guard still judges them.
 */
export async function startBearerRelay(
  target: string,
  token: () => string,
): Promise<{ url: string; close: () => void }> {
  const to = new URL(target);
  let port = 0;
  const rewrite = (value: string | undefined) =>
    value?.replace(
      new RegExp(`^((?:https?://)?(?:127\\.0\\.0\\.1|localhost|\\[::1\\])):${String(port)}$`),
      `$1:${to.port}`,
    );
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers, authorization: `Bearer ${token()}` };
    headers.host = rewrite(req.headers.host);
    if (req.headers.origin !== undefined) headers.origin = rewrite(req.headers.origin);
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${String(port)}${to.pathname}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
