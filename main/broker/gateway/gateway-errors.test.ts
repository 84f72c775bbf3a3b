import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

import { SecretRedactor } from '../secrets/secret-redactor.js';
import { redactToolResult, toMcpError } from './gateway-errors.js';

const LINE_1 = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
const LINE_2 = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo';
const KEY = `-----BEGIN PRIVATE KEY-----\n${LINE_1}\n${LINE_2}\n-----END PRIVATE KEY-----`;

function redactor(): SecretRedactor {
  const r = new SecretRedactor();
  r.add(KEY);
  return r;
}

describe('redactToolResult', () => {
  it('SEC-5 scrubs every line of a secret from an isError result (text, structured content, resources)', () => {
    const result = redactToolResult(
      {
        isError: true,
        content: [
          { type: 'text', text: `bad line: ${LINE_1}` },
          { type: 'resource', resource: { uri: 'x://k', text: `k=${LINE_2}` } },
        ],
        structuredContent: { detail: [LINE_2] },
      },
      redactor(),
    );
    const text = JSON.stringify(result);
    expect(text).not.toContain(LINE_1);
    expect(text).not.toContain(LINE_2);
    expect(result.content[0]).toEqual({ type: 'text', text: 'bad line: [REDACTED]' });
    expect(result.isError).toBe(true);
  });

  it('SEC-5 scrubs whole secret values from a successful result, leaving single matching lines', () => {
    const result = redactToolResult(
      { content: [{ type: 'text', text: `key: ${KEY}\nline: ${LINE_1}` }] },
      redactor(),
    );
    expect(result.content[0]).toEqual({ type: 'text', text: `key: [REDACTED]\nline: ${LINE_1}` });
  });
});

describe('toMcpError', () => {
  it('SEC-5 scrubs the message and nested data of an upstream error line by line', () => {
    const upstream = new McpError(-32000, `cannot use ${LINE_1}`, { nested: { lines: [LINE_2] } });
    const error = toMcpError(upstream, redactor());
    expect(error.message).toBe('MCP error -32000: cannot use [REDACTED]');
    expect(error.data).toEqual({ nested: { lines: ['[REDACTED]'] } });
  });
});
