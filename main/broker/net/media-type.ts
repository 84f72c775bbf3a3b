/**
 * Content types are parsed, never substring-matched: `text/plain; note=application/json` is not
 * JSON, `Application/JSON ; charset=utf-8` is (RFC 9110 §8.3.1: type and subtype are
 * case-insensitive, parameters follow `;`).
 */

/** The `type/subtype` of a Content-Type value, lower-cased; undefined when absent or malformed. */
export function mediaTypeOf(header: string | null | undefined): string | undefined {
  if (header === undefined || header === null) return undefined;
  const essence = header.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return /^[!#$%&'*+.^_`|~\w-]+\/[!#$%&'*+.^_`|~\w-]+$/.test(essence) ? essence : undefined;
}

/** True for `application/json` and the `+json` structured syntax suffix (RFC 6839), e.g. `problem+json`. */
export function isJsonMediaType(header: string | null | undefined): boolean {
  const type = mediaTypeOf(header);
  return type === 'application/json' || (type?.startsWith('application/') === true && type.endsWith('+json'));
}
