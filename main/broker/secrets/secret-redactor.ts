/** What a redacted span becomes. */
export const REDACTED = '[REDACTED]';

/** PEM armor (`-----BEGIN PRIVATE KEY-----`): public boilerplate, not part of the secret. */
const PEM_ARMOR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

/** How deep `redactDeep` walks JSON data before it gives up and redacts the rest whole. */
const MAX_DEPTH = 64;

/** `value` as it appears inside a JSON string literal (newlines as `\n`, quotes escaped). */
function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * The forms a whole secret value takes in text: as it is, with LF or CRLF line ends, with every run
 * of whitespace collapsed to one space (a message folded onto one line), and JSON-escaped.
 */
function wholeForms(value: string): string[] {
  const lf = value.replace(/\r\n/g, '\n');
  const forms = [value, lf, lf.replace(/\n/g, '\r\n'), value.trim().replace(/\s+/g, ' ')];
  return [...forms, ...forms.map(jsonEscaped)];
}

/**
 * Scrubs known secret values out of text that leaves the broker (debug log, audit log, `status`,
 * error messages, a server's stderr tail, tool results). The broker registers every value it
 * resolves for a server; anything that echoes one back is redacted before it is stored or shown.
 *
 * A multi-line value (a PEM key, a credentials file) is also scrubbed line by line: a server that
 * prints it one line at a time, or quotes one line in an error, leaks each line on its own. Every
 * line of at least `MIN_LINE_LENGTH` characters (trimmed) is registered, PEM armor lines excepted;
 * shorter lines are only caught as part of the whole value.
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
    for (const form of wholeForms(value)) {
      if (form.length >= SecretRedactor.MIN_LENGTH) this.wholes.add(form);
    }
    if (/[\r\n]/.test(value)) {
      for (const raw of value.split(/\r?\n|\r/)) {
        const line = raw.trim();
        if (line.length < SecretRedactor.MIN_LINE_LENGTH || PEM_ARMOR.test(line)) continue;
        this.lines.add(line);
        this.lines.add(jsonEscaped(line));
      }
    }
    if (this.wholes.size + this.lines.size === before) return;
    const longestFirst = (a: string, b: string) => b.length - a.length;
    this.sortedWholes = [...this.wholes].sort(longestFirst);
    this.sortedAll = [...new Set([...this.wholes, ...this.lines])].sort(longestFirst);
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
