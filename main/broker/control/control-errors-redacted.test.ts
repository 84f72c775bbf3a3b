import { request } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { BrokerError } from '../base/errors.js';
import { silentLogger } from '../base/logger.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { type BrokerControl, createControlServer } from './control-api.js';

const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7cont',
  'rolA9d2xQk3vT8sZpLm4qW1eYhN6uJfRbGcVoXiK0aDsTnEzUwMjHyPl',
  '-----END PRIVATE KEY-----',
].join('\n');

describe('control socket error messages', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('SEC-5 an error message that carries a known (multi-line) secret leaves the control socket redacted', async () => {
    const redactor = new SecretRedactor();
    redactor.add(PEM);
    // The broker side of the control API: its status fails with a message quoting a key line, as an
    // upstream's error text could.
    const control = {
      status: () => {
        throw new BrokerError('SERVER_UNAVAILABLE', `server said: ${PEM.split('\n')[2] ?? ''}`);
      },
    } as unknown as BrokerControl;
    const server = createControlServer(control, silentLogger(), (text) => redactor.redact(text));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/status' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    const answer = JSON.parse(body) as { code: string; message: string };
    expect(answer.code).toBe('SERVER_UNAVAILABLE');
    expect(answer.message).toContain('server said:');
    expect(answer.message).not.toContain('rolA9d2xQk3vT8sZpLm4qW1eYhN6uJfRbGcVoXiK0aDsTnEzUwMjHyPl');
  });
});
