// SPDX-License-Identifier: GPL-2.0-only
/* A push-to-pull queue: the capture pushes chunks or events, the parser/replay iterates. */
export class ChunkQueue<T = Buffer> implements AsyncIterable<T> {
  private readonly chunks: T[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  push(b: T): void {
    this.chunks.push(b);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.chunks.length) yield this.chunks.shift()!;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}
