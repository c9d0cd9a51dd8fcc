// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fio job-file subset (src/sim/workload/fio.ts) and the request streams
 * generated from it (src/sim/workload/generate.ts), against streams worked
 * out by hand from fio's documented meaning of each option.
 */
import { describe, expect, it } from 'vitest';
import { FioError, parseFio, parseSize } from '../src/sim/workload/fio.js';
import { workloadFromFio } from '../src/sim/workload/generate.js';
import type { Op } from '../src/sim/workload/types.js';
import { Rng, permutation } from '../src/sim/rng.js';

const K = 1024;
const w = (file: number, off: number, len = 4 * K, direct = false): Op => ({ op: 'write', file, off, len, direct });
const r = (file: number, off: number, len = 4 * K, direct = false): Op => ({ op: 'read', file, off, len, direct });

describe('fio parser', () => {
  it('parses sizes with fio suffixes (kb_base 1024)', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('4k')).toBe(4096);
    expect(parseSize('4KiB')).toBe(4096);
    expect(parseSize('1m')).toBe(1 << 20);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('4x')).toBeUndefined();
    expect(parseSize('')).toBeUndefined();
  });

  it('applies [global] to the jobs after it and resolves defaults', () => {
    const jobs = parseFio('[global]\nbs=8k\nsize=64k\n\n[a]\nrw=randwrite\n; comment\n[b]\nrw=read\nbs=16k\n');
    expect(jobs.map((j) => [j.name, j.rw, j.bs, j.size, j.filesize, j.line])).toEqual([
      ['a', 'randwrite', 8192, 65536, 65536, 5],
      ['b', 'read', 16384, 65536, 65536, 8],
    ]);
    expect(jobs[0].fallocate).toBe('native');
  });

  it('names the unknown option and its line', () => {
    expect(() => parseFio('[a]\nrw=write\nsize=1m\nbogus=3\n', 'x.fio')).toThrowError(/^x\.fio:4: option 'bogus': unknown option/);
  });

  it('names the bad value, the option and its line', () => {
    const bad = (text: string): FioError => {
      try {
        parseFio(text, 'j.fio');
      } catch (e) {
        return e as FioError;
      }
      throw new Error('parsed');
    };
    expect(bad('[a]\nsize=1m\nbs=4q\n').message).toBe("j.fio:3: option 'bs': '4q' is not a size (examples: 4096, 4k, 1m, 2GiB)");
    expect(bad('[a]\nsize=1m\nrw=sideways\n').message).toMatch(/^j\.fio:3: option 'rw': 'sideways' is not one of read, write/);
    expect(bad('[a]\nsize=1m\ndirect=maybe\n').option).toBe('direct');
    expect(bad('[a]\nsize=1m\nrw=randread:4k\n').message).toMatch(/only supported on sequential modes/);
    expect(bad('[a]\nrw=write\n').message).toBe("j.fio:1: job 'a': needs size= or filesize=");
    expect(bad('rw=write\n').message).toBe("j.fio:1: option 'rw': appears before any [section]");
    expect(bad('[global]\nsize=1m\n').message).toMatch(/no job section/);
    expect(bad('[a\n').message).toBe("j.fio:1: malformed section header '[a'");
    expect(bad('[a]\nsize=1m\nrw=trim\n').message).toMatch(/needs ioengine=falloc/);
  });
});

describe('workload generators', () => {
  it('sequential buffered write: one write per bs, kick writeback every sim_writeback_every writes', () => {
    const wl = workloadFromFio('[seq]\nrw=write\nbs=4k\nsize=16k\nsim_writeback_every=2\nfallocate=none\n');
    expect(wl.files).toEqual([{ name: 'seq.0.0', size: 16384, layout: 'empty' }]);
    expect(wl.threads).toHaveLength(1);
    expect(wl.threads[0].ops).toEqual([w(0, 0), w(0, 4096), { op: 'kick-writeback', file: 0 }, w(0, 8192), w(0, 12288), { op: 'kick-writeback', file: 0 }]);
  });

  it('direct sequential read of a laid-out file, reread with loops=2', () => {
    const wl = workloadFromFio('[rd]\nrw=read\nbs=8k\nsize=16k\ndirect=1\nloops=2\n');
    expect(wl.files[0].layout).toBe('written');
    expect(wl.threads[0].ops).toEqual([r(0, 0, 8192, true), r(0, 8192, 8192, true), r(0, 0, 8192, true), r(0, 8192, 8192, true)]);
  });

  it('strided writes skip the stride after each I/O and wrap at the end of the file', () => {
    const wl = workloadFromFio('[s]\nrw=write:4k\nbs=4k\nsize=16k\nio_size=16k\nsim_writeback_every=0\n');
    expect(wl.threads[0].ops).toEqual([w(0, 0), w(0, 8192), w(0, 0), w(0, 8192)]);
  });

  it('append starts at the end of the laid-out file and keeps going', () => {
    const wl = workloadFromFio('[ap]\nrw=write\nbs=4k\nsize=8k\nfile_append=1\nfallocate=truncate\nsim_writeback_every=0\nloops=2\n');
    expect(wl.files[0].layout).toBe('sparse');
    expect(wl.threads[0].ops).toEqual([w(0, 8192), w(0, 12288), w(0, 16384), w(0, 20480)]);
  });

  it('overwrite=1 lays the file out written; fsync=N syncs after every N writes; end_fsync at the end', () => {
    const wl = workloadFromFio('[ow]\nrw=write\nbs=4k\nsize=12k\noverwrite=1\nfsync=2\nend_fsync=1\n');
    expect(wl.files[0].layout).toBe('written');
    expect(wl.threads[0].ops).toEqual([w(0, 0), w(0, 4096), { op: 'fsync', file: 0 }, w(0, 8192), { op: 'fsync', file: 0 }]);
  });

  it('random writes visit every block once per pass (the random map), reproducibly from randseed', () => {
    const text = '[rw]\nrw=randwrite\nbs=4k\nsize=64k\nloops=2\nsim_writeback_every=0\nrandseed=7\n';
    const ops = workloadFromFio(text).threads[0].ops as Array<{ off: number }>;
    expect(ops).toHaveLength(32);
    const pass = (i: number) => ops.slice(16 * i, 16 * (i + 1)).map((o) => o.off / 4096);
    expect([...pass(0)].sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    expect([...pass(1)].sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    expect(pass(0)).not.toEqual(pass(1));
    // exactly the generator's permutation: clone 0's generator, one pass after another
    const rng = new Rng(7).fork(0);
    expect(pass(0)).toEqual([...permutation(16, rng)]);
    expect(pass(1)).toEqual([...permutation(16, rng)]);
    expect(workloadFromFio(text)).toEqual(workloadFromFio(text));
    expect(workloadFromFio(text.replace('randseed=7', 'randseed=8')).threads[0].ops).not.toEqual(ops);
  });

  it('the generator is the splitmix32/murmur3 stream it claims to be', () => {
    // hand-computed: state = 0x9e3779b9, then the murmur3 fmix32 finaliser
    let z = 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    expect(new Rng(0).next()).toBe((z ^ (z >>> 16)) >>> 0);
  });

  it('numjobs clones get their own files unless filename= shares one; nrfiles round-robin', () => {
    const own = workloadFromFio('[j]\nrw=write\nbs=4k\nsize=8k\nnumjobs=2\nnrfiles=2\nsim_writeback_every=0\n');
    expect(own.files.map((f) => f.name)).toEqual(['j.0.0', 'j.0.1', 'j.1.0', 'j.1.1']);
    // size is split across the job's files: 4k each, so each file is written at 0
    expect(own.threads.map((t) => t.ops)).toEqual([
      [w(0, 0), w(1, 0)],
      [w(2, 0), w(3, 0)],
    ]);
    const shared = workloadFromFio('[j]\nrw=write\nbs=4k\nsize=8k\nnumjobs=2\nfilename=data\nsim_writeback_every=0\n');
    expect(shared.files.map((f) => f.name)).toEqual(['data']);
    expect(shared.threads.map((t) => t.ops)).toEqual([
      [w(0, 0), w(0, 4096)],
      [w(0, 0), w(0, 4096)],
    ]);
  });

  it('fallocate modes through ioengine=falloc; trims are punches', () => {
    const pre = workloadFromFio('[f]\nioengine=falloc\nrw=write\nbs=8k\nsize=16k\n');
    expect(pre.files[0].layout).toBe('empty');
    expect(pre.threads[0].ops).toEqual([
      { op: 'fallocate', file: 0, mode: 'prealloc', off: 0, len: 8192 },
      { op: 'fallocate', file: 0, mode: 'prealloc', off: 8192, len: 8192 },
    ]);
    for (const mode of ['zero', 'collapse', 'insert'] as const) {
      const wl = workloadFromFio(`[f]\nioengine=falloc\nrw=write\nbs=4k\nsize=4k\nsim_falloc=${mode}\n`);
      expect(wl.files[0].layout).toBe('written');
      expect(wl.threads[0].ops).toEqual([{ op: 'fallocate', file: 0, mode, off: 0, len: 4096 }]);
    }
    const trim = workloadFromFio('[t]\nioengine=falloc\nrw=trim\nbs=4k\nsize=8k\n');
    expect(trim.threads[0].ops.map((o) => (o as { mode: string }).mode)).toEqual(['punch', 'punch']);
  });

  it('truncate, O_TRUNC open and copy_file_range streams', () => {
    const t = workloadFromFio('[t]\nrw=write\nbs=4k\nsize=8k\nsim_truncate_every=1\nsim_truncate_to=2k\nsim_otrunc_every=2\nsim_writeback_every=0\n');
    expect(t.threads[0].ops).toEqual([w(0, 0), { op: 'truncate', file: 0, size: 2048 }, w(0, 4096), { op: 'truncate', file: 0, size: 2048 }, { op: 'open-trunc', file: 0 }]);
    const c = workloadFromFio('[c]\nioengine=sim_copy\nrw=write\nbs=4k\nsize=8k\n');
    expect(c.files).toEqual([
      { name: 'c.0.0', size: 8192, layout: 'prealloc' },
      { name: 'c.0.0.src', size: 8192, layout: 'written' },
    ]);
    expect(c.threads[0].ops).toEqual([
      { op: 'copy', src: 1, dst: 0, srcOff: 0, dstOff: 0, len: 4096 },
      { op: 'copy', src: 1, dst: 0, srcOff: 4096, dstOff: 4096, len: 4096 },
    ]);
  });

  it('rw mixes reads and writes by rwmixread; stonewall starts a new phase', () => {
    const wl = workloadFromFio('[a]\nrw=rw\nrwmixread=100\nbs=4k\nsize=8k\n[b]\nstonewall\nrw=rw\nrwmixwrite=100\nbs=4k\nsize=8k\nsim_writeback_every=0\n');
    expect(wl.threads.map((t) => [t.phase, t.ops.map((o) => o.op)])).toEqual([
      [0, ['read', 'read']],
      [1, ['write', 'write']],
    ]);
  });
});
