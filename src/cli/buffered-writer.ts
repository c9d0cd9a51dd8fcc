// SPDX-License-Identifier: GPL-2.0-only
/* Batches many small writes into large synchronous ones (stdout or a file). */
import { writeSync } from 'node:fs';

export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(readonly fd: number, private readonly limit = 1 << 20) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (e) {
        // a non-blocking pipe that is full: retry
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
    }
  }
}
