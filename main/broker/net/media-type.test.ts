import { describe, expect, it } from 'vitest';

import { isJsonMediaType, mediaTypeOf } from './media-type.js';

describe('content types are parsed, never substring-matched', () => {
  it('reads type/subtype case-insensitively and drops parameters', () => {
    expect(mediaTypeOf('Application/JSON ; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf('text/plain; note=application/json')).toBe('text/plain');
    expect(mediaTypeOf('')).toBeUndefined();
    expect(mediaTypeOf('json')).toBeUndefined();
    expect(mediaTypeOf(null)).toBeUndefined();
  });

  it('knows JSON and +json, and nothing that merely mentions json', () => {
    expect(isJsonMediaType('application/json;charset=UTF-8')).toBe(true);
    expect(isJsonMediaType('application/problem+json')).toBe(true);
    expect(isJsonMediaType('text/plain; x=json')).toBe(false);
    expect(isJsonMediaType('application/jsonp')).toBe(false);
    expect(isJsonMediaType(undefined)).toBe(false);
  });
});
