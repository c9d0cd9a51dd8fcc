// SPDX-License-Identifier: GPL-2.0-only
/*
 * Each built-in policy's effect on a small case, against the seed.
 */
import { describe, expect, it } from 'vitest';
import { listPolicies, registerPolicy, type SimRun, simulate } from '../src/sim/index.js';
import { kernelCounter } from '../src/sim/policy/counters.js';

const run = (job: string, policy: string, engine = {}): SimRun => simulate(job, policy, { seed: 1, timing: false, sampleEvery: 8, engine });
const maxExtents = (r: SimRun) => Math.max(...r.series.map((s) => s.extentsCached.read));

// 16 KiB written file read twice with direct I/O; with maxExtentBlocks 1 the
// server's truth has one extent per block (contiguous on disk)
const REREAD = '[r]\nrw=read\nbs=4k\nsize=16k\ndirect=1\nloops=2\n';
// a file of alternating holes and written blocks (128 of each), then random direct reads
const ALTERNATING =
  '[punch]\nioengine=falloc\nrw=trim:4k\nbs=4k\nsize=1m\nio_size=512k\nfilename=f\n[read]\nstonewall\nrw=randread\nbs=4k\nsize=1m\nfilename=f\ndirect=1\nloops=2\n';
// sequential buffered writes into preallocated space, written back after every write
const CONVERT = '[w]\nrw=write\nbs=64k\nsize=512k\nsim_writeback_every=1\n';

describe('policies, one small case each', () => {
  it('no-cache: every iomap_begin is an upcall, nothing is cached', () => {
    const seed = run(REREAD, 'seed');
    const none = run(REREAD, 'no-cache');
    expect(seed.totals.upcalls).toBe(1);
    expect(none.totals.upcalls).toBe(8);
    expect(none.totals.extentsCached.read).toBe(0);
  });

  it('prefetch-4: one upcall brings in the following extents', () => {
    const seed = run(REREAD, 'seed', { maxExtentBlocks: 1 });
    const pre = run(REREAD, 'prefetch-4', { maxExtentBlocks: 1 });
    // seed: one upcall per one-block extent on the first pass, none on the second
    expect(seed.totals.upcalls).toBe(4);
    expect(pre.totals.upcalls).toBe(1);
    // the block extents are contiguous on disk: the cache merges them into one record
    expect(seed.totals.extentsCached.read).toBe(1);
    expect(pre.totals.upserts).toBe(4);
  });

  it('upsert-exact: only the requested range is cached, so neighbours miss', () => {
    const seed = run(REREAD, 'seed');
    const exact = run(REREAD, 'upsert-exact');
    expect(seed.totals.upcalls).toBe(1);
    expect(exact.totals.upcalls).toBe(4);
    expect(exact.totals.misses.read).toBe(3);
  });

  it('upsert-direct: the answer itself is used, no second lookup after the upcall', () => {
    const seed = run(REREAD, 'seed');
    const direct = run(REREAD, 'upsert-direct');
    expect(direct.totals.upcalls).toBe(seed.totals.upcalls);
    expect(direct.totals.hits.read).toBe(seed.totals.hits.read - 1);
  });

  it('per-range: no needless revalidation failures where the per-inode counter has many', () => {
    const seed = run(CONVERT, 'seed');
    const range = run(CONVERT, 'per-range');
    expect(seed.totals.revalidationFailures.needless).toBeGreaterThan(20);
    expect(range.totals.revalidationFailures).toEqual({ needed: 0, needless: 0 });
    expect(range.totals.iomapBegins).toBeLessThan(seed.totals.iomapBegins);
    expect(range.totals.staleViolations + seed.totals.staleViolations).toBe(0);
  });

  it('per-fork: the same as the seed while only the read fork is used', () => {
    const seed = run(CONVERT, 'seed');
    const fork = run(CONVERT, 'per-fork');
    expect(fork.totals).toEqual(seed.totals);
  });

  it('no-revalidate: no revalidation ever fails', () => {
    expect(run(CONVERT, 'no-revalidate').totals.revalidationFailures).toEqual({ needed: 0, needless: 0 });
  });

  it('seed-erase-bump: identical to the seed when nothing erases a whole fork', () => {
    expect(run(CONVERT, 'seed-erase-bump').totals).toEqual(run(CONVERT, 'seed').totals);
  });

  it('inval-file: every invalidation drops the whole file, so lookups miss and upcalls grow', () => {
    const seed = run(CONVERT, 'seed');
    const file = run(CONVERT, 'inval-file');
    expect(seed.totals.upcalls).toBe(1);
    expect(file.totals.upcalls).toBeGreaterThan(50);
    expect(file.totals.misses.read).toBeGreaterThan(50);
  });

  it('cap-inode-lru-64: at most 64 records per inode, paid for in upcalls', () => {
    const seed = run(ALTERNATING, 'seed');
    const cap = run(ALTERNATING, 'cap-inode-lru-64');
    // holes and written blocks alternate: 256 records that cannot merge
    expect(maxExtents(seed)).toBe(256);
    expect(seed.totals.upcalls).toBe(256);
    expect(maxExtents(cap)).toBe(64);
    expect(cap.totals.upcalls).toBeGreaterThan(400);
    expect(cap.totals.kernelBytes).toBeLessThan(seed.totals.kernelBytes);
  });

  it('cap-global-clock-256: at most 256 records across inodes', () => {
    const three = ALTERNATING.replace(/filename=f/g, 'filename=a:b:c').replace('io_size=512k', 'io_size=1536k').replace(/size=1m/g, 'filesize=1m');
    const seed = run(three, 'seed');
    const cap = run(three, 'cap-global-clock-256');
    expect(maxExtents(seed)).toBe(768);
    expect(maxExtents(cap)).toBeLessThanOrEqual(256);
    expect(cap.totals.upcalls).toBeGreaterThan(seed.totals.upcalls);
  });

  it('seed-cow: overwrites go through the write fork and ask the server each time', () => {
    const job = '[w]\nrw=randwrite\nbs=4k\nsize=256k\noverwrite=1\nsim_writeback_every=4\n';
    const seed = run(job, 'seed');
    const cow = run(job, 'seed-cow');
    expect(seed.totals.upcalls).toBe(1);
    expect(seed.totals.hits.write).toBe(0);
    // every overwrite of a shared (written) block needs new blocks from the server
    expect(cow.totals.upcalls).toBe(64);
    expect(cow.totals.hits.write).toBeGreaterThan(0);
    expect(cow.totals.staleViolations).toBe(0);
  });

  it('a new policy registers without touching the engine', () => {
    registerPolicy({
      name: 'test-exact-prefetch-1',
      description: 'test policy: exact ranges plus one following extent',
      create: () => ({ counter: kernelCounter(), serve: { mode: 'upsert-null', extent: 'exact', prefetch: 1 }, capacity: null, invalidation: 'exact' }),
    });
    expect(listPolicies().some((p) => p.name === 'test-exact-prefetch-1')).toBe(true);
    const r = run(REREAD, 'test-exact-prefetch-1');
    // each upcall caches [pos, +4k) and the rest of the extent after it
    expect(r.totals.upcalls).toBe(1);
    expect(() => registerPolicy({ name: 'seed', description: 'again', create: () => run as never })).toThrow(/already registered/);
  });
});
