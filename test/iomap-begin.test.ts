// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse_iomap_begin with the cache (seed 001 L9228-9270): cache hits, the
 * upcall, the NULL-reply retry loop and its -EINTR exit, and what the
 * upcall path leaves in iomap/srcmap.
 */
import { describe, expect, it } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import { type BeginOut, IOMAP_DIRECT, IOMAP_WRITE, fuseIomapBegin, fuseIomapRevalidate, zeroIomap } from '../src/iomap/index.js';
import { NULL_ADDR, type World, makeWorld, map, put } from './iomap-world.js';

const HOLE = 0, MAPPED = 2, OVERWRITE = 0xffff, NULL = 0xfffe;
interface Flat {
  offset: bigint; length: bigint;
  readAddr: bigint; readType: number; readFlags: number; readDev: number;
  writeAddr: bigint; writeType: number; writeFlags: number; writeDev: number;
}
/** an rfc-v3 begin reply: one range, two halves */
const reply = (o: Partial<Flat> = {}): BeginOut => {
  const f: Flat = { offset: 0n, length: 0x10000n, readAddr: NULL_ADDR, readType: HOLE, readFlags: 0, readDev: 0, writeAddr: NULL_ADDR, writeType: OVERWRITE, writeFlags: 0, writeDev: 0, ...o };
  return {
    read: { offset: f.offset, length: f.length, addr: f.readAddr, type: f.readType, flags: f.readFlags, dev: f.readDev },
    write: { offset: f.offset, length: f.length, addr: f.writeAddr, type: f.writeType, flags: f.writeFlags, dev: f.writeDev },
  };
};
const nullReply = reply({ readType: NULL, writeType: NULL });
const upsertNotice = (w: World, m = map(0n, 0x10000n, MAPPED, 0x500000n, 1)) => ({
  what: 'upsert',
  send: () => {
    w.inode.cache.enable();
    put(w, Fork.READ, m);
    return 0;
  },
});

describe('fuse_iomap_begin', () => {
  it('a cache hit needs no upcall and fires no read_map/write_map', () => {
    const w = makeWorld();
    put(w, Fork.READ, map(0n, 0x10000n, MAPPED, 0x500000n, 1));
    w.events.length = 0;
    const iomap = zeroIomap();
    const r = fuseIomapBegin(w.env, w.inode, 0x3000n, 0x1000n, 0, iomap, zeroIomap());
    expect(r).toMatchObject({ ret: 0, fromCache: true, upcalls: 0 });
    expect(w.events).toEqual(['fuse_iomap_begin', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_lookup_result']);
    expect(iomap).toMatchObject({ addr: 0x503000n, offset: 0x3000n, length: 0x1000n, folioOps: true, validityCookie: 1n });
  });

  it('a miss goes to the server; its mapping has no folio_ops and no cookie', () => {
    const w = makeWorld({ enabled: false });
    w.server.queueBegin({ notify: [], reply: reply({ readType: MAPPED, readAddr: 0x700000n, readDev: 1 }) });
    const iomap = zeroIomap();
    const r = fuseIomapBegin(w.env, w.inode, 0x3000n, 0x1000n, 0, iomap, zeroIomap());
    expect(r).toMatchObject({ ret: 0, fromCache: false, upcalls: 1 });
    expect(iomap).toMatchObject({ addr: 0x700000n, offset: 0n, length: 0x10000n, type: MAPPED, bdev: 1, folioOps: false, validityCookie: 0n });
    expect(w.events).toEqual(['fuse_iomap_begin', 'fuse_iomap_read_map', 'fuse_iomap_write_map']);
  });

  it('fuse2fs: the server upserts and answers NULL, the retried lookup hits (one upcall)', () => {
    const w = makeWorld({ enabled: false });
    w.server.queueBegin({ notify: [upsertNotice(w)], reply: nullReply });
    const iomap = zeroIomap();
    const r = fuseIomapBegin(w.env, w.inode, 0x3000n, 0x1000n, 0, iomap, zeroIomap());
    expect(r).toMatchObject({ ret: 0, fromCache: true, upcalls: 1, nullRetries: 0 });
    expect(r.tries).toEqual([{}, { read: 'hit' }]);
    expect(iomap).toMatchObject({ addr: 0x503000n, folioOps: true, validityCookie: 1n });
  });

  it('NULL replies that never make the cache hit loop until the model\'s signal: -EINTR after the bound (SPEC 8.9)', () => {
    const w = makeWorld();
    w.env.nullRetryLimit = 3;
    w.server.queueBegin({ notify: [], reply: nullReply }, 10);
    const r = fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, 0, zeroIomap(), zeroIomap());
    expect(r).toMatchObject({ ret: -4, upcalls: 4, nullRetries: 3 });
    expect(w.server.pendingBegins()).toBe(6);
    expect(w.hazards.map((h) => h.hazard.id)).toEqual(['null-retry-unbounded']);
  });

  it('writeback (DIRECT|WRITE) refuses a cached delalloc, so "upsert delalloc, answer NULL" never ends', () => {
    const w = makeWorld();
    w.env.nullRetryLimit = 2;
    w.server.queueBegin({ notify: [upsertNotice(w, map(0n, 0x10000n, 1))], reply: nullReply }, 3);
    const r = fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, IOMAP_DIRECT | IOMAP_WRITE, zeroIomap(), zeroIomap());
    expect(r.ret).toBe(-4);
    expect(r.tries[0]).toEqual({ write: 'nofork', read: 'miss' });
    expect(r.tries.slice(1).every((t) => t.refused === 'delalloc-direct')).toBe(true);
    expect(r.tries.length).toBe(4);
  });

  it('a server error fires fuse_iomap_begin_error and is returned', () => {
    const w = makeWorld();
    w.server.queueBegin({ notify: [], reply: -5 });
    const r = fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, 0, zeroIomap(), zeroIomap());
    expect(r.ret).toBe(-5);
    expect(w.events.slice(-1)).toEqual(['fuse_iomap_begin_error']);
  });

  it('the begin validator sees (reply, inode, opflags, pos) and its errno stops everything', () => {
    const seen: unknown[] = [];
    const w = makeWorld({ validate: (o, inode, op, pos) => (seen.push([o.read.type, inode.cache.inode.ids.nodeid, op, pos]), { err: -5, rule: 'test-rule' }) });
    w.server.queueBegin({ notify: [], reply: reply({ readType: MAPPED, readAddr: 0n, readDev: 1 }) });
    const iomap = zeroIomap();
    const r = fuseIomapBegin(w.env, w.inode, 0x2000n, 0x1000n, IOMAP_WRITE, iomap, zeroIomap());
    expect([r.ret, r.rule]).toEqual([-5, 'test-rule']);
    expect(seen).toEqual([[MAPPED, 7n, IOMAP_WRITE, 0x2000n]]);
    expect(iomap.length).toBe(0n);
  });

  it('an out-of-place write: the write mapping in iomap, the read one in srcmap', () => {
    const w = makeWorld({ enabled: false, devices: [1, 2] });
    w.server.queueBegin({ notify: [], reply: reply({ readType: MAPPED, readAddr: 0x100000n, readDev: 1, writeType: MAPPED, writeAddr: 0x900000n, writeDev: 2 }) });
    const iomap = zeroIomap();
    const srcmap = zeroIomap();
    expect(fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, IOMAP_WRITE, iomap, srcmap).ret).toBe(0);
    expect([iomap.addr, iomap.bdev, srcmap.addr, srcmap.bdev]).toEqual([0x900000n, 2, 0x100000n, 1]);
  });

  it('a reply on an unregistered device is -EIO', () => {
    const w = makeWorld({ devices: [] });
    w.server.queueBegin({ notify: [], reply: reply({ readType: MAPPED, readAddr: 0x100000n, readDev: 1 }) });
    expect(fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, 0, zeroIomap(), zeroIomap()).ret).toBe(-5);
  });

  it('a NULL write mapping leaks into iomap->type on a file write (SPEC 8.8)', () => {
    const w = makeWorld();
    w.server.queueBegin({ notify: [], reply: reply({ readType: MAPPED, readAddr: 0x100000n, readDev: 1, writeType: NULL }) });
    const iomap = zeroIomap();
    expect(fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, IOMAP_WRITE, iomap, zeroIomap()).ret).toBe(0);
    expect(iomap.type).toBe(NULL);
    expect(w.hazards.map((h) => h.hazard.id)).toEqual(['write-null-leak']);
  });

  it('a write-fork hit followed by a read-fork miss: the server mapping keeps the cache cookie and folio_ops (SPEC 8.11)', () => {
    const w = makeWorld();
    put(w, Fork.WRITE, map(0n, 0x10000n, MAPPED, 0x900000n, 1));
    const seq = w.inode.cache.seq;
    w.server.queueBegin({ notify: [], reply: reply({ readType: MAPPED, readAddr: 0x100000n, readDev: 1, writeType: OVERWRITE }) });
    const iomap = zeroIomap();
    expect(fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, IOMAP_WRITE, iomap, zeroIomap()).ret).toBe(0);
    expect(iomap).toMatchObject({ addr: 0x100000n, folioOps: true, validityCookie: seq });
    expect(w.hazards.map((h) => h.hazard.id)).toEqual(['partial-fill-survives']);
  });

  it('a policy can replace the cookie compare (env.revalidate); a refusal still fires fuse_iomap_invalid', () => {
    const w = makeWorld();
    put(w, Fork.READ, map(0n, 0x10000n, MAPPED, 0x500000n, 1));
    const iomap = zeroIomap();
    fuseIomapBegin(w.env, w.inode, 0n, 0x1000n, 0, iomap, zeroIomap());
    expect(fuseIomapRevalidate(w.env, w.inode, iomap)).toBe(true);
    w.env.revalidate = (_inode, m) => m.offset !== 0n;
    w.events.length = 0;
    expect(fuseIomapRevalidate(w.env, w.inode, iomap)).toBe(false);
    expect(w.events).toEqual(['fuse_iomap_invalid']);
  });
});
