/**
 * Scrubs known secret values out of text that leaves the broker (debug log, audit log, `status`,
 * error messages, a server's stderr tail). The broker registers every value it resolves for a
 * server; anything that echoes one back is redacted before it is stored or shown.
 */
export class SecretRedactor {
  private readonly values = new Set<string>();

  /** Values shorter than this are not worth scrubbing (they would mangle ordinary text). */
  static readonly MIN_LENGTH = 6;

  add(value: string): void {
    if (value.length >= SecretRedactor.MIN_LENGTH) this.values.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.values) {
      if (out.includes(value)) out = out.split(value).join('[REDACTED]');
    }
    return out;
  }
}
