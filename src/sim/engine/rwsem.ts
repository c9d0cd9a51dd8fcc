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
