// SPDX-License-Identifier: GPL-2.0-only
/* A push-to-pull queue of byte chunks: the capture pushes, the parser iterates. */
export class ChunkQueue implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      while (this.chunks.length) yield this.chunks.shift()!;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}
