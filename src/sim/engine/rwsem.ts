// SPDX-License-Identifier: GPL-2.0-only
/*
 * A reader/writer semaphore for actors: the mapping's invalidate_lock
 * (filemap_invalidate_lock / filemap_invalidate_lock_shared). Taking it
 * yields a wait while the other side holds it; the scheduler runs the
 * actor again only once the wait is over, and nobody runs between that
 * check and the take, so the take after the wait always succeeds.
 */
import type { Step } from './engine.js';

export class RwSem {
  private readers = 0;
  private writer = false;

  constructor(readonly name: string) {}

  /** down_read */
  *lockShared(): Step {
    while (this.writer) yield { until: () => !this.writer, why: `${this.name} shared` };
    this.readers++;
  }

  /** up_read */
  unlockShared(): void {
    if (this.readers === 0) throw new Error(`${this.name}: shared unlock without a holder`);
    this.readers--;
  }

  /** down_write */
  *lock(): Step {
    while (this.writer || this.readers > 0) yield { until: () => !this.writer && this.readers === 0, why: `${this.name} exclusive` };
    this.writer = true;
  }

  /** up_write */
  unlock(): void {
    if (!this.writer) throw new Error(`${this.name}: unlock without a holder`);
    this.writer = false;
  }
}

/**
 * Per-folio bits an actor can wait on (one folio = one block): PG_locked
 * (folio_lock / folio_unlock) or PG_writeback (folio_wait_writeback).
 * As with RwSem, a wait yields only while another actor holds a bit, so
 * an uncontended take never gives the scheduler a step.
 */
export class FolioBits {
  private readonly held = new Set<number>();

  constructor(readonly name: string) {}

  has(block: number): boolean {
    return this.held.has(block);
  }

  /** Is any block of [first, last] held? */
  anyIn(first: number, last: number): boolean {
    for (const b of this.held) if (b >= first && b <= last) return true;
    return false;
  }

  set(block: number): void {
    this.held.add(block);
  }

  clear(block: number): void {
    if (!this.held.delete(block)) throw new Error(`${this.name}: block ${block} cleared but not set`);
  }

  /** folio_wait_writeback / the wait in folio_lock: until the block is free */
  *wait(block: number): Step {
    while (this.held.has(block)) yield { until: () => !this.held.has(block), why: `${this.name} of block ${block}` };
  }

  /** folio_lock of every folio in [first, last], taken together once none is held */
  *lockRange(first: number, last: number): Step {
    while (this.anyIn(first, last)) yield { until: () => !this.anyIn(first, last), why: `${this.name} of blocks ${first}-${last}` };
    for (let b = first; b <= last; b++) this.held.add(b);
  }
}
