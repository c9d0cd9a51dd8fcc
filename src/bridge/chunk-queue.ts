// SPDX-License-Identifier: GPL-2.0-only
/* A push-to-pull queue: the capture pushes chunks or events, the parser/replay iterates. */
export class ChunkQueue<T = Buffer> implements AsyncIterable<T> {
  private items: T[] = [];
  /** next item to hand out (no Array.shift: the queue can hold many thousands) */
  private head = 0;
  private ended = false;
  private wake: (() => void) | null = null;

  push(b: T): void {
    this.items.push(b);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.head < this.items.length) {
        const it = this.items[this.head];
        this.items[this.head++] = undefined as T;
        yield it;
      }
      this.items = [];
      this.head = 0;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}
