// SPDX-License-Identifier: GPL-2.0-only
/*
 * SimRun metrics on small runs worked out by hand from the seed's code
 * paths (fuse_iomap_begin, try_cache, fuse2fs's upsert-then-NULL), and
 * the reproducibility of whole runs.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_COST, JobError, listPolicies, simulate } from '../src/sim/index.js';

const K = 4096;

describe('metrics on hand-computed runs', () => {
  it('direct reread of a written 16 KiB file under the seed: one upcall, then hits', () => {
    // read 0: cache not enabled -> no lookup -> upcall -> fuse2fs upserts the
    // whole extent [0, 16k) and answers NULL -> try_cache again: read-fork hit.
    // The 7 later reads hit at once.
    const r = simulate('[r]\nrw=read\nbs=4k\nsize=16k\ndirect=1\nloops=2\n', 'seed', { seed: 1, timing: false });
    const t = r.totals;
    expect(t.ios).toBe(8);
    expect(t.bytes).toBe(8 * K);
    expect(t.iomapBegins).toBe(8);
    expect(t.upcalls).toBe(1);
    expect(t.upserts).toBe(1);
    expect(t.invalidations).toBe(0);
    expect(t.hits).toEqual({ read: 8, write: 0 });
    expect(t.misses).toEqual({ read: 0, write: 0 });
    expect(t.nofork).toEqual({ read: 0, write: 0 });
    expect(t.revalidationFailures).toEqual({ needed: 0, needless: 0 });
    expect(t.staleViolations).toBe(0);
    expect(t.extentsCached).toEqual({ read: 1, write: 0 });
    expect(t.treeHeight).toEqual({ read: 1, write: 0 });
    // one record in a height-1 root: krealloc'd to 32 bytes (kmalloc-32)
    expect(t.kernelBytes).toBe(32);
    const c = DEFAULT_COST;
    expect(t.simulatedSeconds).toBeCloseTo(1 * c.upcall + 8 * c.lookup + 1 * c.notify + 8 * c.io + 8 * K * c.byte, 12);
  });

  it('the same reads without the cache: every iomap_begin is an upcall', () => {
    const t = simulate('[r]\nrw=read\nbs=4k\nsize=16k\ndirect=1\nloops=2\n', 'no-cache', { seed: 1 }).totals;
    expect([t.iomapBegins, t.upcalls, t.upserts, t.hits.read, t.extentsCached.read, t.kernelBytes]).toEqual([8, 8, 0, 0, 0, 0]);
  });

  it('buffered writes into an empty file: allocation, merge in the server, re-upsert', () => {
    // write 0+8k: no lookup (cache off) -> upcall: allocate [0,8k) unwritten|dirty,
    //   upsert, NULL -> try_cache: write fork NOFORK, read fork HIT.
    // write 8k+8k: write NOFORK, read MISS -> upcall: allocate [8k,16k) next to
    //   [0,8k) on disk -> one extent [0,16k) -> upsert it -> NULL -> NOFORK, HIT.
    const r = simulate('[w]\nrw=write\nbs=8k\nsize=16k\nfallocate=none\nsim_writeback_every=0\n', 'seed', { seed: 1 });
    const t = r.totals;
    expect(t.ios).toBe(2);
    expect(t.iomapBegins).toBe(2);
    expect(t.upcalls).toBe(2);
    expect(t.upserts).toBe(2);
    expect(t.hits).toEqual({ read: 2, write: 0 });
    expect(t.misses).toEqual({ read: 1, write: 0 });
    expect(t.nofork).toEqual({ read: 0, write: 3 });
    expect(t.revalidationFailures).toEqual({ needed: 0, needless: 0 });
    expect(t.extentsCached.read).toBe(1);
  });

  it('samples are per-bucket counters that add up to the totals', () => {
    const r = simulate('[w]\nrw=randwrite\nbs=4k\nsize=256k\nloops=2\n', 'seed', { seed: 3, sampleEvery: 16 });
    expect(r.series.length).toBe(128 / 16);
    expect(r.series.map((s) => s.at)).toEqual([16, 32, 48, 64, 80, 96, 112, 128]);
    const sum = (f: (s: (typeof r.series)[number]) => number) => r.series.reduce((a, s) => a + f(s), 0);
    expect(sum((s) => s.ios)).toBe(r.totals.ios);
    expect(sum((s) => s.upcalls)).toBe(r.totals.upcalls);
    expect(sum((s) => s.iomapBegins)).toBe(r.totals.iomapBegins);
    expect(sum((s) => s.revalidationFailures.needless)).toBe(r.totals.revalidationFailures.needless);
    expect(sum((s) => s.simulatedSeconds)).toBeCloseTo(r.totals.simulatedSeconds, 9);
  });

  it('peak gauges: the largest sampled value, not the state at the end', () => {
    // random writes into unwritten space: each ioend splits the cached extent, then O_TRUNC empties it
    const r = simulate('[w]\nrw=randwrite\nbs=4k\nsize=256k\nsim_writeback_every=4\nsim_otrunc_every=64\n', 'seed', { seed: 1, sampleEvery: 4 });
    expect(r.totals.extentsCached.read).toBe(0);
    const most = Math.max(...r.series.map((s) => s.extentsCached.read));
    expect(most).toBeGreaterThan(1);
    expect(r.peak!.extentsCached.read).toBe(most);
    expect(r.peak!.kernelBytes).toBe(Math.max(...r.series.map((s) => s.kernelBytes)));
  });

  it('the cost model is configurable', () => {
    const job = '[r]\nrw=read\nbs=4k\nsize=16k\ndirect=1\n';
    const t = simulate(job, 'no-cache', { seed: 1, cost: { upcall: 1, lookup: 0, notify: 0, io: 0, byte: 0 } }).totals;
    expect(t.simulatedSeconds).toBe(4);
  });

  it('the simulator measures its own speed', () => {
    const r = simulate('[r]\nrw=read\nbs=4k\nsize=64k\ndirect=1\n', 'seed', { seed: 1 });
    expect(r.wallSeconds).toBeGreaterThan(0);
    expect(r.iosPerSecond).toBeCloseTo(r.totals.ios / r.wallSeconds, 6);
  });
});

describe('reproducibility and errors', () => {
  const job = '[a]\nrw=randwrite\nbs=4k\nsize=512k\nnumjobs=2\nfilename=f\nsim_writeback_every=3\n[b]\nrw=randread\nbs=8k\nsize=256k\n';

  it('the same seed gives the same SimRun JSON, bit for bit', () => {
    for (const p of ['seed', 'per-range', 'cap-global-clock-256']) {
      const a = JSON.stringify(simulate(job, p, { seed: 42, timing: false }));
      const b = JSON.stringify(simulate(job, p, { seed: 42, timing: false }));
      expect(a).toBe(b);
    }
    const c = JSON.stringify(simulate(job, 'seed', { seed: 43, timing: false }));
    expect(c).not.toBe(JSON.stringify(simulate(job, 'seed', { seed: 42, timing: false })));
  });

  it('accepts the options-object form and reports progress up to the total', () => {
    const seen: Array<[number, number]> = [];
    const r = simulate({ jobText: '[r]\nrw=read\nbs=4k\nsize=64k\n', jobName: 'r.fio', policy: 'seed', seed: 1, onProgress: (d, t) => seen.push([d, t]) });
    expect(r.job).toBe('r');
    expect(seen.at(-1)).toEqual([16, 16]);
    expect(seen.every(([d, t]) => t === 16 && d <= 16)).toBe(true);
  });

  it('bad jobs, policies and revisions are errors naming what is wrong', () => {
    expect(() => simulate('[a]\nsize=1m\nbsx=4k\n', 'seed', { jobName: 'bad.fio' })).toThrow(JobError);
    expect(() => simulate('[a]\nsize=1m\nbsx=4k\n', 'seed', { jobName: 'bad.fio' })).toThrow(/^bad\.fio:3: option 'bsx': unknown option/);
    expect(() => simulate('[a]\nsize=1m\n', 'nope')).toThrow(/unknown policy 'nope' \(known: seed, no-cache/);
    expect(() => simulate('[a]\nsize=1m\n', 'seed', { revision: 'v99' })).toThrow(/unknown revision 'v99'/);
  });

  it('lists the seed first and every policy with a description', () => {
    const ps = listPolicies();
    expect(ps[0].name).toBe('seed');
    expect(new Set(ps.map((p) => p.name)).size).toBe(ps.length);
    for (const p of ps) expect(p.description.length).toBeGreaterThan(20);
  });

  it('runs under the v7 revision too', () => {
    const r = simulate('[r]\nrw=read\nbs=4k\nsize=16k\ndirect=1\nloops=2\n', 'seed', { seed: 1, revision: 'v7' });
    expect(r.revision).toBe('v7');
    expect(r.totals.upcalls).toBe(1);
    expect(r.totals.hits.read).toBe(8);
  });
});
