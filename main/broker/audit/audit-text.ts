/*
 * Text that other parties choose (an MCP client's name, an OAuth client's name) and that the audit
 * log stores and prints. Invisible and line-breaking characters are escaped so a stored value can
 * neither break a line nor make the terminal show something else than what is stored.
 */

/** Control, format (bidi overrides, zero-width), line and paragraph separator characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** Longest display name (in code points) a client can put into the audit log. */
export const MAX_DISPLAY_NAME = 64;

/** Replaces every invisible or line-breaking character with a visible `\uXXXX` escape. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/**
 * A name a client chose, made safe to show next to broker-chosen fields: invisible characters
 * escaped, runs of whitespace collapsed to one space, trimmed, and cut to {@link MAX_DISPLAY_NAME}
 * characters (graphemes) with "…". An empty result becomes "?".
 */
export function displayName(name: string): string {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const text = escapeInvisible(name).replace(/\s+/gu, ' ').trim();
  const chars = Array.from(segmenter.segment(text), (s) => s.segment);
  const cut =
    chars.length > MAX_DISPLAY_NAME ? `${chars.slice(0, MAX_DISPLAY_NAME - 1).join('')}…` : chars.join('');
  return cut === '' ? '?' : cut;
}
