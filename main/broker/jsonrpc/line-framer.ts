/**
 * Newline-delimited JSON-RPC framing (the MCP stdio transport's framing) with a size limit.
 * A line longer than the limit is dropped as it streams in — it is never buffered whole — and
 * reported once, so the peer can be told and the connection stays up.
 */

/** Largest JSON-RPC message the broker accepts on its stdio/socket channels (documented in the README). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export type FramedItem = { kind: 'line'; line: string } | { kind: 'oversized'; bytes: number };

export class LineFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of an oversized line seen so far; -1 when not discarding. */
  private discarding = -1;

  constructor(private readonly maxBytes: number = MAX_MESSAGE_BYTES) {}

  /** Feeds bytes; returns the complete lines (and oversize reports) they finish. */
  push(chunk: Buffer): FramedItem[] {
    const out: FramedItem[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.keep(chunk.subarray(start));
        return out;
      }
      this.finishLine(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarding >= 0) {
      this.discarding += part.length;
      return;
    }
    this.chunks.push(part);
    this.buffered += part.length;
    if (this.buffered > this.maxBytes) {
      this.discarding = this.buffered;
      this.chunks = [];
      this.buffered = 0;
    }
  }

  private finishLine(part: Buffer, out: FramedItem[]): void {
    if (this.discarding >= 0) {
      out.push({ kind: 'oversized', bytes: this.discarding + part.length });
      this.discarding = -1;
      return;
    }
    const total = this.buffered + part.length;
    if (total > this.maxBytes) {
      out.push({ kind: 'oversized', bytes: total });
    } else {
      const whole = this.chunks.length === 0 ? part : Buffer.concat([...this.chunks, part], total);
      const line = whole.toString('utf8').replace(/\r$/, '');
      if (line.trim() !== '') out.push({ kind: 'line', line });
    }
    this.chunks = [];
    this.buffered = 0;
  }
}
