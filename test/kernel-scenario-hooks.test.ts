// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invalidation hooks of seed 001 PATCH 3/4 (L9372-9653): the exact
 * range each passes to fuse_iomap_cache_invalidate_range (traced raw) and
 * what that removes after its block rounding (fuse_iomap_cache_remove).
 */
import { describe, expect, it } from 'vitest';
import { field, runKernel } from './kernel-scenario-world.js';

const SETUP = 'device 1 size=0x40000000\ninode nodeid=7 ino=12 isize=0x10000\nnotify-upsert read_offset=0 read_length=0x10000 read_type=mapped read_addr=0x100000 read_dev=1\n';
const EOF_LEN = '0xffffffffffffffff';

/** the raw (pos, bytecount) of each invalidate_range and the (offset, length) each read-fork remove got */
function ranges(text: string) {
  const r = runKernel(SETUP + text);
  const inval = r.trace.filter(([n]) => n === 'fuse_iomap_cache_invalidate_range').map(([, b]) => /pos (0x[0-9a-f]+) bytecount (0x[0-9a-f]+)/.exec(b)!.slice(1).join('+'));
  const removed = r.trace
    .filter(([n, b]) => n === 'fuse_iomap_cache_remove' && b.includes('whichfork read'))
    .slice(1) // the notify-upsert's own remove step
    .map(([, b]) => /offset (0x[0-9a-f]+) length (0x[0-9a-f]+)/.exec(b)!.slice(1).join('+'));
  return { inval, removed, out: r.out, r };
}

describe('invalidation hooks', () => {
  it.each([
    ['ioend 0x1800 0x1000 flags=unwritten', ['0x1800+0x1000'], ['0x1000+0x2000']],
    ['ioend 0x2000 0x1000 error=-EIO', ['0x2000+0x1000'], ['0x2000+0x1000']],
    ['setsize 0x2800', [`0x2800+${EOF_LEN}`], [`0x2000+${EOF_LEN}`]],
    ['setsize 0x20000', [`0x20000+${EOF_LEN}`], [`0x20000+${EOF_LEN}`]],
    ['fallocate punch_hole|keep_size 0x1000 0x3000', ['0x1000+0x3000'], ['0x1000+0x3000']],
    ['fallocate zero_range|keep_size 0x1200 0x100', ['0x1200+0x100'], ['0x1000+0x1000']],
    ['fallocate collapse_range 0x4000 0x2000', [`0x4000+${EOF_LEN}`], [`0x4000+${EOF_LEN}`]],
    ['fallocate insert_range 0x4000 0x2000', [`0x4000+${EOF_LEN}`], [`0x4000+${EOF_LEN}`]],
    // extending allocation: the range, then fuse_iomap_setsize's invalidation from the new size
    ['fallocate alloc 0xf000 0x3000', ['0xf000+0x3000', `0x12000+${EOF_LEN}`], ['0xf000+0x3000', `0x12000+${EOF_LEN}`]],
    ['copy-range 0x1234 0x100', ['0x1234+0x100'], ['0x1000+0x1000']],
    ['open-trunc', [`0x0+${EOF_LEN}`], [`0x0+${EOF_LEN}`]],
  ])('%s', (cmd, inval, removed) => {
    const got = ranges(cmd + '\n');
    expect(got.inval).toEqual(inval);
    expect(got.removed).toEqual(removed);
  });

  it('ioends that need no upcall, or whose upcall fails, leave the cache alone', () => {
    expect(ranges('ioend 0x2000 0x1000\n').inval).toEqual([]); // pure overwrite inside i_size: not sent
    expect(ranges('server ioend -ENOSYS\nioend 0x2000 0x1000 flags=shared\n').inval).toEqual([]);
    const failed = ranges('server ioend -EIO\nioend 0x2000 0x1000 error=-ENOSPC\n');
    expect(failed.inval).toEqual([]);
    expect(failed.out.at(-1)!.startsWith('ioend -5 upcall yes')).toBe(true);
    // the I/O error survives a server that says nothing useful
    expect(ranges('server ioend -ENOSYS\nioend 0x2000 0x1000 error=-ENOSPC\n').out.at(-1)!.startsWith('ioend -28 ')).toBe(true);
    expect(ranges('ioend 0x2000 0x1000 error=-ENOSPC\n').out.at(-1)!.startsWith('ioend -28 ')).toBe(true);
  });

  it('an append past i_size sets FUSE_IOMAP_IOEND_APPEND and grows i_size', () => {
    const got = ranges('ioend 0x10000 0x1000\n');
    expect(got.inval).toEqual(['0x10000+0x1000']);
    expect(field(got.out.at(-1)!, 'isize')).toBe('0x11000');
    expect(got.r.trace.find(([n]) => n === 'fuse_iomap_ioend')![1]).toContain('ioendflags (append) pos 0x10000 written 4096 error 0');
  });

  it('without atomic_o_trunc the VFS truncates: fuse_iomap_setsize(0)', () => {
    const r = runKernel('conn atomic_o_trunc=off\n' + SETUP + 'open-trunc\n');
    expect(r.trace.map(([n]) => n)).toContain('fuse_iomap_setsize');
    expect(r.trace.map(([n]) => n)).not.toContain('fuse_iomap_open_truncate');
  });

  it('nothing is invalidated (or traced) until the cache is enabled', () => {
    const r = runKernel('inode nodeid=7 cache=off\nsetsize 0x1000\nopen-trunc\ncopy-range 0 0x1000\n');
    expect(r.trace.map(([n]) => n)).toEqual(['fuse_iomap_setsize', 'fuse_iomap_truncate_up', 'fuse_iomap_open_truncate', 'fuse_iomap_copied_file_range']);
  });

  it('iomap_end invalidates only after an inline-data write', () => {
    // past the cached range, so both begins go to the server
    const text = 'server reply read_type=inline\nbegin 0x21000 0x200 write as=i\nend 0x200 map=i\nserver reply read_type=mapped read_addr=0x100000 read_dev=1\nbegin 0x21000 0x200 write as=m\nend 0x100 map=m\n';
    const got = ranges(text);
    expect(got.inval).toEqual(['0x21000+0x200']);
    expect(got.removed).toEqual(['0x21000+0x1000']);
    const [inlineEnd, , , mappedEnd] = got.out.slice(-4);
    expect(field(inlineEnd, 'inline-write')).toBe('yes');
    // a short ordinary write: FUSE_IOMAP_END goes to the server, the cache is not touched
    expect(field(mappedEnd, 'upcall')).toBe('yes');
    expect(field(mappedEnd, 'invalidate')).toBeUndefined();
  });

  it('setsize refuses sizes past s_maxbytes and negative ones before touching the cache', () => {
    expect(ranges('setsize 0x8000000000000000\n').out.at(-1)!.startsWith('setsize -22 ')).toBe(true);
    const r = runKernel('inode nodeid=7 maxbytes=0x100000\nsetsize 0x200000\n');
    expect(r.out.at(-1)!.startsWith('setsize -27 ')).toBe(true);
  });
});
