// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario runner sizes the cache's arena from a bound on the records
 * its commands can leave (CommandTable.recordBound, CacheOptions.recordsHint),
 * so that a long scenario does not grow the arena by copies. The hint is
 * storage only: the results are those of a cache without it.
 */
import { describe, expect, it } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import { IomapCache } from '../src/cache/iomap-cache.js';
import { FUSE_GEOMETRY } from '../src/iext/geometry.js';
import { generateGrow } from '../src/scenario/generate.js';
import { OutBytes, writeOutI } from '../src/scenario/output.js';
import { commandTable, parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';

const INODE = { ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: 4096n, maxBytes: (1n << 63n) - 1n };

/** the arena's record and key storage, in doubles (side arrays for wide values aside) */
const storage = (c: IomapCache): number => c.read.arena.rec.length + c.read.arena.keysD.length;

function outText(text: string, hint: boolean): { out: string; reserved: number; initial: number } {
  const sc = parseScenario(text, 'grow.scenario');
  let out = '';
  const o = new OutBytes((b, n) => (out += Buffer.from(b.subarray(0, n)).toString('utf8')));
  let initial = 0;
  const table = commandTable(sc)!;
  if (!hint) {
    // the same run without the hint: commands from the table's objects (no table, no bound)
    const plain = { ...sc, commands: table.toArray() };
    const { cache } = runScenario(plain, { onResultI: (r) => writeOutI(r, o) });
    o.flush();
    return { out, reserved: storage(cache), initial };
  }
  initial = storage(new IomapCache(INODE, { geometry: sc.geometry, recordsHint: table.recordBound() }));
  const { cache } = runScenario(sc, { onResultI: (r) => writeOutI(r, o) });
  o.flush();
  return { out, reserved: storage(cache), initial };
}

describe('arena sized from the scenario', () => {
  it('counts at most two records an add, upsert or invalidate and one a remove', () => {
    const sc = parseScenario(
      ['geometry fuse', 'upsert read 0 4096 0 2 0 0', 'add write 0 4096 0 2 0 0', 'remove read 0 4096', 'invalidate 0 4096', 'lookup read 0 1', 'dump read'].join('\n'),
      'x.scenario',
    );
    expect(commandTable(sc)!.recordBound()).toBe(2 + 2 + 1 + 2);
  });

  it('a grow scenario never grows the hinted arena, and prints what an unhinted run prints', () => {
    const text = generateGrow({ commands: 20_000, seed: 7 });
    const hinted = outText(text, true);
    const plain = outText(text, false);
    expect(hinted.out).toBe(plain.out);
    expect(hinted.out.length).toBeGreaterThan(100_000);
    // no growth: the storage at the end is what the hint reserved up front
    expect(hinted.reserved).toBe(hinted.initial);
    // the unhinted arena grew in steps of a quarter, to less than the bound
    expect(plain.reserved).toBeLessThan(hinted.reserved);
    expect(plain.reserved).toBeGreaterThan(100 * storage(new IomapCache(INODE, {})));
  });

  it('ignores a hint of nothing and keeps the default arena', () => {
    const a = new IomapCache(INODE, { geometry: FUSE_GEOMETRY }).read.arena.reservedBytes();
    for (const recordsHint of [0, -1, Number.NaN]) {
      const c = new IomapCache(INODE, { geometry: FUSE_GEOMETRY, recordsHint });
      expect(c.read.arena.reservedBytes()).toBe(a);
      expect(c.cacheUpsert(Fork.READ, { offset: 0n, length: 4096n, addr: 0n, type: 2, flags: 0, dev: 0 })).toBe(0);
    }
  });
});
