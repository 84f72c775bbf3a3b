import { createServer, type Server } from 'node:http';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SecretListResponseSchema, StatusResponseSchema } from '../../contract/control-api.js';
import { type SignInEvent, SignInEventSchema } from '../../contract/providers.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { sendJson } from '../net/http-json.js';
import { listenLocal } from '../net/local-socket.js';
import { prepareRuntimePaths } from '../runtime/runtime-dir.js';
import { requestControl } from './control-client.js';
import { streamControl } from './control-stream.js';

/**
 * The control client parses every answer with its route's contract schema: a real HTTP server on
 * the control socket answers here with bodies that do and do not match.
 */
describe('control client: answers checked against the contract', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let server: Server;

  beforeEach(async () => {
    dir = makeTempDir();
    const paths = prepareRuntimePaths(dir.path);
    server = createServer((req, res) => {
      if (req.url === '/secrets') sendJson(res, 200, { names: ['GITHUB_TOKEN'] });
      else if (req.url === '/status') sendJson(res, 200, { broker: { pid: 'not a number' }, servers: [] });
      else if (req.url === '/secrets/GONE')
        sendJson(res, 404, { code: 'SECRET_NOT_FOUND', message: 'No such secret.' });
      else if (req.url === '/providers/github/login') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(JSON.stringify({ event: 'browser', account: 'github', url: 'http://127.0.0.1:1/' }) + '\n');
        res.end(JSON.stringify({ event: 'success', account: 'github', scopes: 'repo' }) + '\n');
      } else sendJson(res, 404, { code: 'NOT_FOUND', message: 'no route' });
    });
    await listenLocal(server, paths.controlSocket, paths.runDir);
  });

  afterEach(() => {
    server.close();
    dir.remove();
  });

  it('returns the parsed body when it matches the route schema', async () => {
    await expect(requestControl(dir.path, 'GET', '/secrets', SecretListResponseSchema)).resolves.toEqual({
      names: ['GITHUB_TOKEN'],
    });
  });

  it('turns a body that does not match into a BrokerError naming the route and the field', async () => {
    const call = requestControl(dir.path, 'GET', '/status', StatusResponseSchema);
    await expect(call).rejects.toMatchObject({ name: 'BrokerError', code: 'INTERNAL' });
    await expect(call).rejects.toThrow(/answer to GET \/status does not match the control API/);
  });

  it("keeps the broker's own error code for a non-2xx answer", async () => {
    await expect(
      requestControl(dir.path, 'DELETE', '/secrets/GONE', SecretListResponseSchema),
    ).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND', message: 'No such secret.' });
  });

  it('hands each matching stream line on and rejects at the first line that does not match', async () => {
    const seen: SignInEvent[] = [];
    const stream = streamControl(
      dir.path,
      '/providers/github/login',
      { mode: 'browser' },
      SignInEventSchema,
      (e) => seen.push(e),
    );
    await expect(stream).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(stream).rejects.toThrow(/POST \/providers\/github\/login .* at scopes/);
    expect(seen).toEqual([{ event: 'browser', account: 'github', url: 'http://127.0.0.1:1/' }]);
  });
});
