// SPDX-License-Identifier: GPL-2.0-only
/*
 * The two races of issue 3 "How it is checked": a buffered write racing
 * writeback where the validity cookie catches the changed mapping, and the
 * O_TRUNC / truncate-to-0 path where the erase-everything shortcut empties
 * the forks without bumping im_seq, so a stale mapping revalidates
 * (reproduced by default and reported as hazards).
 */
import { describe, expect, it } from 'vitest';
import { field, runKernel } from './kernel-scenario-world.js';

const SETUP = 'device 1 size=0x40000000\ninode nodeid=7 ino=12 cache=off\n';
// fuse2fs: upsert the mapping, answer NULL
const FUSE2FS = (off: string, len: string, type: string, addr: string) => `server upsert read_offset=${off} read_length=${len} read_type=${type} read_addr=${addr} read_dev=1\nserver null\n`;

describe('buffered write racing writeback', () => {
  const text =
    SETUP +
    FUSE2FS('0', '0x10000', 'unwritten', '0x100000') +
    'begin 0x2000 0x1000 write as=bw\n' + // the buffered write maps [0x2000, 0x3000) unwritten
    'writeback 0x2000 0x1000\n' + // writeback of the same range, from the cache
    'ioend 0x2000 0x1000 flags=unwritten\n' + // unwritten conversion: the server acts, the kernel invalidates
    'revalidate map=bw\n' + // iomap_write_begin's ->iomap_valid
    FUSE2FS('0x2000', '0x1000', 'mapped', '0x102000') +
    'begin 0x2000 0x1000 write as=bw\n' + // iomap core maps again: now written
    'revalidate map=bw\n' +
    'writeback 0x2000 0x1000\n'; // the old wpc mapping is caught too

  it('the cookie catches the conversion and the retried begin sees the written extent', () => {
    const r = runKernel(text);
    const lines = r.out.filter((l) => !l.startsWith('server'));
    const [begin1, wb1, ioend, reval1, begin2, reval2, wb2] = lines;
    expect(field(begin1, 'via')).toBe('cache-after-upcall');
    expect(field(begin1, 'type')).toBe('unwritten');
    expect(field(begin1, 'cookie')).toBe('1');
    expect(field(wb1, 'mapping')).toBe('new');
    expect(field(wb1, 'via')).toBe('cache');
    expect(field(ioend, 'upcall')).toBe('yes');
    expect(field(ioend, 'invalidate')).toBe('0x2000+0x1000');
    // a middle punch: update + insert = two bumps
    expect(field(ioend, 'seq')).toBe('3');
    expect(reval1).toMatch(/^revalidate result invalid cookie 1 seq 3 events fuse_iomap_invalid$/);
    expect(field(begin2, 'type')).toBe('mapped');
    expect(field(begin2, 'addr')).toBe('102000');
    expect(field(reval2, 'result')).toBe('valid');
    // writeback's cached mapping has the old cookie: revalidation fails, it maps again from the cache
    expect(field(wb2, 'mapping')).toBe('new');
    expect(wb2).toContain('fuse_iomap_invalid');
    expect(field(wb2, 'type')).toBe('mapped');
    const invalid = r.trace.filter(([n]) => n === 'fuse_iomap_invalid').map(([, b]) => b);
    expect(invalid[0]).toBe('connection 1 ino 12 nodeid 7 isize 0x3000 offset 0x2000 length 0x1000 type unwritten mapflags () addr 0x102000 old_cookie 0x1 new_cookie 0x3');
    expect([...r.hazards.keys()]).toEqual([]);
  });

  it('without the ioend (no invalidation) the stale unwritten mapping stays valid: the cookie only sees what the kernel is told', () => {
    const r = runKernel(SETUP + FUSE2FS('0', '0x10000', 'unwritten', '0x100000') + 'begin 0x2000 0x1000 write as=bw\nwriteback 0x2000 0x1000\nrevalidate map=bw\n');
    expect(field(r.out.at(-1)!, 'result')).toBe('valid');
  });

  it('a mapping the server answered directly has no folio_ops: iomap core never revalidates it', () => {
    const r = runKernel(SETUP + 'server reply read_type=mapped read_addr=0x100000 read_dev=1\nbegin 0 0x1000 write as=bw\nioend 0 0x1000 flags=unwritten\nrevalidate map=bw\n');
    expect(field(r.out.at(-1)!, 'result')).toBe('unchecked');
    expect(field(r.out.at(-1)!, 'cookie')).toBe('-');
  });

  it('writeback keeps a server mapping whose cookie is stack contents (SPEC 8.12)', () => {
    const r = runKernel(SETUP + 'notify-upsert read_offset=0x100000 read_length=0x1000 read_type=hole\nserver reply offset=0 length=0x4000 read_type=mapped read_addr=0x100000 read_dev=1 repeat=2\nwriteback 0 0x1000\nwriteback 0x1000 0x1000\n');
    // the cache holds something else (seq 1): the zeroed stack cookie 0 never matches, the next folio maps again
    expect(r.hazards.get('writeback-uninit-cookie')).toBe(2);
    const last = r.out.at(-1)!;
    expect(last.startsWith('writeback 0 mapping new via server upcalls 1')).toBe(true);
    expect(r.trace.find(([n]) => n === 'fuse_iomap_invalid')?.[1]).toMatch(/offset 0x0 length 0x4000 type mapped .* old_cookie 0x0 new_cookie 0x1$/);
  });
});

describe('O_TRUNC and truncate to 0: the erase-everything shortcut keeps im_seq', () => {
  const body = (trunc: string) =>
    'device 1 size=0x40000000\ninode nodeid=7 ino=12 isize=0x10000\n' +
    'notify-upsert read_offset=0 read_length=0x10000 read_type=mapped read_addr=0x100000 read_dev=1\n' +
    'begin 0x3000 0x1000 write as=w\n' +
    `${trunc}\n` +
    'revalidate map=w\n' +
    'dump read\n';

  it.each([['open-trunc'], ['setsize 0'], ['fallocate collapse_range 0 0x1000'], ['notify-inval read_offset=0 read_length=0xffffffffffffffff']])('%s: the forks are empty, the seq did not move, the old mapping revalidates', (trunc) => {
    const r = runKernel(body(trunc));
    const [, begin, t, reval, dump] = r.out;
    expect(field(begin, 'cookie')).toBe('1');
    expect(field(t, 'seq')).toBe('1');
    expect(reval.startsWith('revalidate result valid cookie 1 seq 1')).toBe(true);
    expect(dump).toBe('fork read count 0 height 0 seq 1');
    expect(r.hazards.get('erase-all-no-seq-bump')).toBe(1);
    expect(r.hazards.get('stale-mapping-revalidated')).toBe(1);
    expect(field(reval, 'hazards')).toBe('stale-mapping-revalidated');
  });

  it('truncating to a non-zero size goes through the normal remove: the seq moves and the cookie catches it', () => {
    const r = runKernel(body('setsize 0x2000'));
    const reval = r.out[3];
    expect(reval.startsWith('revalidate result invalid cookie 1 seq 2')).toBe(true);
    expect(r.hazards.size).toBe(0);
  });
});
