import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../base/logger.js';
import { type BrokerControl, createControlServer } from './control-api.js';

/*
 * The control API's routing through the shared route table: 404 for an unknown path, 405 with
 * `Allow` for a known path and the wrong method, 400 for a bad escape in a parameter, and decoded
 * parameters reaching the broker. Only the calls these requests reach are implemented.
 */

let server: Server;
let port: number;
const deleted: string[] = [];

beforeAll(async () => {
  const control = {
    status: () => ({ state: 'running' }),
    deleteSecret: (name: string) => {
      deleted.push(name);
      return Promise.resolve(true);
    },
    decideConsent: (code: string, decision: string) => ({ code, decision }),
  } as unknown as BrokerControl;
  server = createControlServer(control, silentLogger());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(method: string, path: string) {
  return new Promise<{ status: number; allow: string | undefined; body: unknown }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, method, path }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          allow: res.headers.allow,
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('control API routing', () => {
  it('answers an unknown path 404 NOT_FOUND, as before', async () => {
    expect(await send('GET', '/nothing?x=1')).toEqual({
      status: 404,
      allow: undefined,
      body: { code: 'NOT_FOUND', message: 'No control route GET /nothing' },
    });
    expect((await send('GET', '//')).status).toBe(404);
  });

  it('answers a known path with the wrong method 405 METHOD_NOT_ALLOWED and Allow', async () => {
    const wrong = await send('POST', '/status');
    expect(wrong).toMatchObject({ status: 405, allow: 'GET', body: { code: 'METHOD_NOT_ALLOWED' } });
    expect((await send('GET', '/secrets/x')).allow).toBe('PUT, DELETE');
    expect((await send('OPTIONS', '/consents/c/deny')).allow).toBe('POST');
    const head = await send('HEAD', '/status');
    expect([head.status, head.allow]).toEqual([405, 'GET']);
  });

  it('hands the broker decoded parameters and answers a bad escape 400 USAGE', async () => {
    expect(await send('DELETE', '/secrets/GITHUB%5FTOKEN')).toMatchObject({
      status: 200,
      body: { deleted: true },
    });
    expect(await send('POST', '/consents/AB%2DCD/deny')).toMatchObject({
      status: 200,
      body: { code: 'AB-CD', decision: 'deny' },
    });
    expect(deleted).toEqual(['GITHUB_TOKEN']);
    expect(await send('DELETE', '/secrets/%E0%A4%A')).toEqual({
      status: 400,
      allow: undefined,
      body: { code: 'USAGE', message: 'The path is not valid percent-encoded UTF-8.' },
    });
    expect((await send('GET', '/status')).status).toBe(200);
  });
});
