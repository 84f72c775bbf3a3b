import type { SecretRedactor } from '../secrets/secret-redactor.js';

/**
 * The last lines a server wrote to stderr, kept so `status` and error messages can show why it
 * failed. Bounded by line count and by bytes; the text is scrubbed of known secret values when
 * read (values registered after a line arrived are scrubbed too).
 */
export class StderrTail {
  private readonly lines: string[] = [];
  private bytes = 0;
  private partial = '';

  constructor(
    private readonly redactor: SecretRedactor,
    private readonly maxLines = 50,
    private readonly maxBytes = 8 * 1024,
  ) {}

  /** Appends a chunk of output; complete lines are kept, a trailing partial line waits for more. */
  write(chunk: string | Buffer): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    if (this.partial.length > this.maxBytes) {
      this.push(this.partial);
      this.partial = '';
    }
    for (const line of parts) this.push(line);
  }

  /** Keeps any unterminated output as a line (call when the process has exited). */
  flush(): void {
    if (this.partial !== '') this.push(this.partial);
    this.partial = '';
  }

  /**
   * Redacted lines, oldest first (an unterminated last line included). The kept text is redacted
   * as a whole, so a multi-line secret that arrived over several lines or chunks is caught too.
   */
  snapshot(): string[] {
    const all = this.partial === '' ? [...this.lines] : [...this.lines, this.partial];
    const text = this.redactor.redact(all.slice(-this.maxLines).join('\n'));
    return text === '' ? [] : text.split('\n');
  }

  /** Forgets everything (a new process starts with a clean tail). */
  clear(): void {
    this.lines.length = 0;
    this.bytes = 0;
    this.partial = '';
  }

  private push(line: string): void {
    const clipped = line.length > this.maxBytes ? line.slice(0, this.maxBytes) : line;
    if (clipped.trim() === '') return;
    this.lines.push(clipped);
    this.bytes += Buffer.byteLength(clipped);
    while (this.lines.length > this.maxLines || (this.bytes > this.maxBytes && this.lines.length > 1)) {
      const dropped = this.lines.shift() ?? '';
      this.bytes -= Buffer.byteLength(dropped);
    }
  }
}
