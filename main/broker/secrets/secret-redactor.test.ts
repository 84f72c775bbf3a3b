import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../base/logger.js';
import { SecretRedactor } from './secret-redactor.js';

const BODY_1 = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
const BODY_2 = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo';
const PEM = ['-----BEGIN PRIVATE KEY-----', BODY_1, BODY_2, 'AB==', '-----END PRIVATE KEY-----'].join('\n');

function withPem(): SecretRedactor {
  const redactor = new SecretRedactor();
  redactor.add(PEM);
  return redactor;
}

describe('SecretRedactor', () => {
  it('redacts a whole single-line value wherever it appears', () => {
    const redactor = new SecretRedactor();
    redactor.add('ghp_single_line_value');
    redactor.add('short');
    expect(redactor.redact('a ghp_single_line_value b ghp_single_line_value short')).toBe(
      'a [REDACTED] b [REDACTED] short',
    );
  });

  it('SEC-5 redacts each line of a multi-line value on its own (printed line by line)', () => {
    const redactor = withPem();
    const printed = `stderr: key line 2: ${BODY_1}\nstderr: key line 3: ${BODY_2}`;
    expect(redactor.redact(printed)).toBe('stderr: key line 2: [REDACTED]\nstderr: key line 3: [REDACTED]');
    expect(redactor.redact(`Last stderr: x ${BODY_1} | y ${BODY_2}`)).toBe(
      'Last stderr: x [REDACTED] | y [REDACTED]',
    );
  });

  it('SEC-5 redacts the whole value as one span, also with CRLF, folded whitespace or JSON-escaped', () => {
    const redactor = withPem();
    expect(redactor.redact(`<${PEM}>`)).toBe('<[REDACTED]>');
    expect(redactor.redact(`<${PEM.replace(/\n/g, '\r\n')}>`)).toBe('<[REDACTED]>');
    expect(redactor.redact(`<${PEM.replace(/\n/g, ' ')}>`)).toBe('<[REDACTED]>');
    expect(redactor.redact(JSON.stringify({ key: PEM }))).toBe('{"key":"[REDACTED]"}');
    // The short last line is only caught as part of the whole value.
    expect(redactor.redact(JSON.stringify({ key: PEM }))).not.toContain('AB==');
  });

  it('SEC-5 redacts the field values of a multi-line credentials file printed on their own', () => {
    const redactor = new SecretRedactor();
    redactor.add(
      '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n',
    );
    expect(redactor.redact('key AKIAIOSFODNN7EXAMPLE, secret wJalrXUtnFEMI/K7MDENG')).toBe(
      'key [REDACTED], secret [REDACTED]',
    );
  });

  it('SEC-5 redacts the lines of a PEM key embedded JSON-escaped in a multi-line service-account file', () => {
    const redactor = new SecretRedactor();
    const file = JSON.stringify({ type: 'service_account', private_key: `${PEM}\n` }, null, 2);
    redactor.add(file);
    expect(redactor.redact(`decoded key:\n${PEM}`)).toBe('decoded key:\n[REDACTED]');
    expect(redactor.redact(`line: ${BODY_2}`)).toBe('line: [REDACTED]');
  });

  it('leaves PEM armor and lines shorter than 8 characters alone when quoted on their own', () => {
    const redactor = withPem();
    expect(redactor.redact('-----BEGIN PRIVATE KEY----- AB==')).toBe('-----BEGIN PRIVATE KEY----- AB==');
  });

  it('SEC-5 redactWhole scrubs whole values but not single lines of a multi-line value', () => {
    const redactor = withPem();
    redactor.add('ghp_single_line_value');
    expect(redactor.redactWhole(`${BODY_1} ghp_single_line_value ${PEM}`)).toBe(
      `${BODY_1} [REDACTED] [REDACTED]`,
    );
  });

  it('SEC-5 redactDeep walks nested data, keys included, and keeps a __proto__ key as data', () => {
    const redactor = withPem();
    const data: unknown = JSON.parse(
      `{"a":[{"b":"line ${BODY_1}"}],"${BODY_2}":1,"__proto__":{"c":"${BODY_2}"},"n":null,"k":7}`,
    );
    const out = redactor.redactDeep(data) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain(BODY_1);
    expect(JSON.stringify(out)).not.toContain(BODY_2);
    expect(out['a']).toEqual([{ b: 'line [REDACTED]' }]);
    expect(out['[REDACTED]']).toBe(1);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ c: '[REDACTED]' });
    expect([out['n'], out['k']]).toEqual([null, 7]);
    expect(redactor.redactDeep({ x: `1 ${BODY_1}` }, true)).toEqual({ x: `1 ${BODY_1}` });
  });

  it('SEC-5 the debug log scrubs a multi-line value logged in any field (JSON-escaped in the line)', () => {
    const redactor = withPem();
    let written = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ redactor, destination, level: 'debug' });
    logger.debug({ detail: PEM, line: BODY_2 }, `failed: ${BODY_1}`);
    expect(written).toContain('[REDACTED]');
    for (const part of [BODY_1, BODY_2, 'AB==']) expect(written).not.toContain(part);
  });
});
