// SPDX-License-Identifier: GPL-2.0-only
/*
 * Batches many small writes into large synchronous ones (stdout or a file).
 * Text is encoded straight into one reused Buffer, so the strings of a run
 * die young instead of piling up until a flush. A reader that goes away
 * (EPIPE, e.g. `| head`) ends the output quietly.
 */
import { writeSync } from 'node:fs';

export class BufferedWriter {
  private readonly buf: Buffer;
  private used = 0;
  /** set once the reader has gone away: later writes are dropped */
  closed = false;

  constructor(readonly fd: number, limit = 1 << 20) {
    this.buf = Buffer.allocUnsafe(limit);
  }

  write(s: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.used + 3 * s.length > this.buf.length) {
      this.flush();
      if (3 * s.length > this.buf.length) return this.writeAll(Buffer.from(s, 'utf8'));
    }
    this.used += this.buf.write(s, this.used, 'utf8');
  }

  /** the first n bytes of b (copied) */
  writeBytes(b: Uint8Array, n: number): void {
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) return this.writeAll(Buffer.from(b.buffer, b.byteOffset, n));
    }
    this.buf.set(n === b.length ? b : b.subarray(0, n), this.used);
    this.used += n;
  }

  flush(): void {
    const n = this.used;
    this.used = 0;
    if (n) this.writeAll(this.buf.subarray(0, n));
  }

  private writeAll(b: Buffer): void {
    let off = 0;
    while (off < b.length && !this.closed) {
      try {
        off += writeSync(this.fd, b, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') this.closed = true;
        // a non-blocking pipe that is full: retry
        else if (code !== 'EAGAIN') throw e;
      }
    }
  }
}
