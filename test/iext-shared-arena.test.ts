// SPDX-License-Identifier: GPL-2.0-only
/*
 * A cache's two forks share one arena: what a tree decides from its own
 * leaves must not count the other fork's. fuse_iext_realloc_root moves a
 * height-1 root whose krealloc outgrows its block; only when other leaves
 * of the same tree still live (a collapse over records out of order) does
 * the model keep the old block out of reuse as a freed one. Counting the
 * arena's leaves made every such move in a two-fork run leave a freed block
 * behind: slots never reused, and every later scan on the checked (slow)
 * path. Runs here must leave none.
 */
import { describe, expect, it } from 'vitest';
import { generateGrow } from '../src/scenario/generate.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import type { IextTree } from '../src/iext/tree.js';

/** the tree's freed-but-kept blocks (private: the model's bookkeeping, no C counterpart) */
const dangling = (t: IextTree | null) => (t as unknown as { dangling: number } | null)?.dangling ?? 0;

describe('forks sharing an arena', () => {
  for (const seed of [1, 2, 3])
    it(`grow seed ${seed}, both forks: no root move leaves a freed block behind, and every leaf slot is live or free`, () => {
      const { cache } = runScenario(parseScenario(generateGrow({ commands: 6000, seed }), 'grow'), {});
      expect(cache.write).not.toBeNull();
      expect(dangling(cache.read)).toBe(0);
      expect(dangling(cache.write)).toBe(0);
      const a = cache.read.arena as unknown as { liveLeaves: number; leafTop: number; leafFree: number[] };
      expect(a.liveLeaves + a.leafFree.length).toBe(a.leafTop);
    });
});
