// SPDX-License-Identifier: GPL-2.0-only
/*
 * Operation-level shrinking after fast-check's: fast-check shrinks the
 * generated commands, but one command can stand for hundreds of
 * operations (a run of adds, a burst). This cuts the concrete case to
 * the operation that broke the property, then leaves out ever smaller
 * runs of operations (delta debugging, one pass per chunk size) while the
 * same violation still shows.
 */
import type { FuzzTarget } from './target.js';
import { outcomeHas } from './target.js';

export interface ShrinkBudget {
  /** replays at most */
  maxRuns: number;
  /** wall-clock milliseconds at most */
  maxMs: number;
}

export async function shrinkCase<C>(target: FuzzTarget<unknown, C>, c: C, key: string, opIndex: number, budget: ShrinkBudget): Promise<{ case: C; runs: number }> {
  const t0 = Date.now();
  let runs = 0;
  const holds = async (x: C): Promise<boolean> => {
    runs++;
    return outcomeHas(await target.runCase(x), key);
  };
  let cur = c;
  // everything after the breaking operation is irrelevant
  const n0 = target.size(cur);
  if (opIndex + 1 < n0) {
    const cut = target.without(cur, opIndex + 1, n0);
    if (await holds(cut)) cur = cut;
  }
  if (!(await holds(cur))) return { case: c, runs };
  const out = () => runs >= budget.maxRuns || Date.now() - t0 > budget.maxMs;
  for (let chunk = Math.max(1, Math.floor(target.size(cur) / 2)); chunk >= 1 && !out(); chunk = chunk === 1 ? 0 : Math.max(1, Math.floor(chunk / 2))) {
    for (let i = target.size(cur) - chunk; i >= 0 && !out(); i -= chunk) {
      const next = target.without(cur, i, i + chunk);
      if (await holds(next)) cur = next;
    }
    // after removals at size 1, try once more from the top (removing one op can free another)
    if (chunk === 1) {
      let progress = true;
      while (progress && !out()) {
        progress = false;
        for (let i = target.size(cur) - 1; i >= 0 && !out(); i--) {
          const next = target.without(cur, i, i + 1);
          if (await holds(next)) {
            cur = next;
            progress = true;
          }
        }
      }
    }
  }
  return { case: cur, runs };
}
