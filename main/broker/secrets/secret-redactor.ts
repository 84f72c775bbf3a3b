/** What a redacted span becomes. */
export const REDACTED = '[REDACTED]';

/** PEM armor (`-----BEGIN PRIVATE KEY-----`): public boilerplate, not part of the secret. */
const PEM_ARMOR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

/** The value of a `key = value`, `key: value` or `"key": "value",` line. */
const FIELD = /^"?[\w.-]+"?\s*[:=]\s*(.+?),?$/;

function splitLines(text: string): string[] {
  return text.split(/\r?\n|\r/);
}

/** A field value without its quotes; a double-quoted one decoded as a JSON string. */
function unquote(field: string): string {
  if (field.length >= 2 && field.startsWith('"') && field.endsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(field);
      if (typeof decoded === 'string') return decoded;
    } catch {
      // Not JSON: take it as it is, quotes stripped.
    }
    return field.slice(1, -1);
  }
  return field.length >= 2 && field.startsWith("'") && field.endsWith("'") ? field.slice(1, -1) : field;
}

/** How deep `redactDeep` walks JSON data before it gives up and redacts the rest whole. */
const MAX_DEPTH = 64;

/** `value` as it appears inside a JSON string literal (newlines as `\n`, quotes escaped). */
function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * The forms a whole secret value takes in text: as it is, with LF or CRLF line ends, without the
 * whitespace around it, with every run of whitespace collapsed to one space (a message folded onto
 * one line), and each of those JSON-escaped.
 */
function wholeForms(value: string): string[] {
  const lf = value.replace(/\r\n/g, '\n');
  const trimmed = lf.trim();
  const forms = [value, lf, lf.replace(/\n/g, '\r\n'), trimmed, trimmed.replace(/\n/g, '\r\n')];
  forms.push(trimmed.replace(/\s+/g, ' '));
  return [...forms, ...forms.map(jsonEscaped)];
}

/**
 * Scrubs known secret values out of text that leaves the broker (debug log, audit log, `status`,
 * error messages, a server's stderr tail, tool results). The broker registers every value it
 * resolves for a server; anything that echoes one back is redacted before it is stored or shown.
 *
 * A multi-line value (a PEM key, a credentials file) is also scrubbed line by line: a server that
 * prints it one line at a time, or quotes one line in an error, leaks each line on its own. Every
 * line of at least `MIN_LINE_LENGTH` characters (trimmed) is registered, PEM armor lines excepted,
 * and so is the value of a `key = value` line; shorter ones are only caught within the whole value.
 */
export class SecretRedactor {
  /** Whole values and their variants (line ends, whitespace, JSON escaping). */
  private readonly wholes = new Set<string>();
  /** Lines of multi-line values, and their JSON-escaped forms. */
  private readonly lines = new Set<string>();
  /** Both sets, longest first (a whole value goes before the lines it contains); rebuilt on add. */
  private sortedAll: string[] = [];
  private sortedWholes: string[] = [];

  /** Values shorter than this are not worth scrubbing (they would mangle ordinary text). */
  static readonly MIN_LENGTH = 6;
  /** Lines of a multi-line value shorter than this (trimmed) are not scrubbed on their own. */
  static readonly MIN_LINE_LENGTH = 8;

  add(value: string): void {
    if (value.length < SecretRedactor.MIN_LENGTH) return;
    const before = this.wholes.size + this.lines.size;
    this.addWhole(value);
    if (/[\r\n]/.test(value)) for (const raw of splitLines(value)) this.addLine(raw, true);
    if (this.wholes.size + this.lines.size === before) return;
    const longestFirst = (a: string, b: string) => b.length - a.length;
    this.sortedWholes = [...this.wholes].sort(longestFirst);
    this.sortedAll = [...new Set([...this.wholes, ...this.lines])].sort(longestFirst);
  }

  /**
   * Registers one line of a multi-line value. The value of a `key = value` / `key: value` /
   * `"key": "value",` line (a credentials file, a service-account JSON) is registered as a line of
   * its own; when it is a JSON string with escaped newlines (an embedded PEM key), it is registered
   * whole and line by line.
   */
  private addLine(raw: string, withFields: boolean): void {
    const line = raw.trim();
    if (line.length < SecretRedactor.MIN_LINE_LENGTH || PEM_ARMOR.test(line)) return;
    this.lines.add(line);
    this.lines.add(jsonEscaped(line));
    const field = withFields ? FIELD.exec(line)?.[1] : undefined;
    if (field === undefined) return;
    const inner = unquote(field);
    // A multi-line block inside one field (an embedded key) is a secret of its own, whole too.
    if (/[\r\n]/.test(inner.trim())) this.addWhole(inner);
    for (const part of splitLines(inner)) this.addLine(part, false);
  }

  private addWhole(value: string): void {
    for (const form of wholeForms(value)) {
      if (form.length >= SecretRedactor.MIN_LENGTH) this.wholes.add(form);
    }
  }

  /** `text` with every known value, every line of a multi-line one, and their variants redacted. */
  redact(text: string): string {
    return replaceAll(text, this.sortedAll);
  }

  /**
   * `text` with whole known values (and their variants) redacted, but not single lines of
   * multi-line ones: for content a server returns on success, where a line that happens to match
   * (`[default]` of a credentials file) is more likely the person's data than a leak.
   */
  redactWhole(text: string): string {
    return replaceAll(text, this.sortedWholes);
  }

  /**
   * JSON data (a tool result, an error's `data`, a log payload) with every string in it (keys too)
   * redacted by `redact` (or `redactWhole` when `whole` is set). Data nested deeper than 64 levels
   * is replaced whole.
   */
  redactDeep(data: unknown, whole = false): unknown {
    const scrub = whole ? (t: string) => this.redactWhole(t) : (t: string) => this.redact(t);
    return walk(data, scrub, 0);
  }
}

function replaceAll(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

function walk(data: unknown, scrub: (text: string) => string, depth: number): unknown {
  if (typeof data === 'string') return scrub(data);
  if (data === null || typeof data !== 'object') return data;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(data)) return data.map((item) => walk(item, scrub, depth + 1));
  // fromEntries defines properties, so a `__proto__` key stays data and sets no prototype.
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [scrub(key), walk(value, scrub, depth + 1)]),
  );
}
