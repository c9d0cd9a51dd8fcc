// SPDX-License-Identifier: GPL-2.0-only
// libfuse's notification wrappers and fuse2fs's caching in op_iomap_begin,
// against the modelled kernel (seed 001 L13990-14080, L17522-17545).
import { describe, expect, it } from 'vitest';
import { FUSE_IOMAP_NULL_ADDR as NULL_ADDR, FUSE_IOMAP_TYPE_NULL } from '../src/cache/constants.js';
import { V7 } from '../src/cache/revision-v7.js';
import {
  beginValidate,
  decodeNotifyFrame,
  decodeUpsert,
  fuse2fsCacheIomap,
  FuseConn,
  libfuseNotifyIomapInval,
  libfuseNotifyIomapUpsert,
  type LibfuseIomap,
} from '../src/protocol/index.js';

function session(protoMinor = 99, rev = undefined as undefined | typeof V7) {
  const hazards: string[] = [];
  const conn = new FuseConn({ protoMinor, revision: rev, onHazard: (h) => hazards.push(h.hazard.id) });
  conn.addDevice({ sizeBytes: 1n << 30n });
  const inode = conn.addInode({ nodeid: 5n, attrIno: 12n });
  return { se: { conn }, conn, inode, hazards };
}

const mapped = (): LibfuseIomap => ({ offset: 0x1000n, length: 0x3000n, addr: 0x40000n, type: 2, flags: 0x2, dev: 1 });
const overwrite = (): LibfuseIomap => ({ offset: 0x1000n, length: 0x3000n, addr: NULL_ADDR, type: 0xffff, flags: 0, dev: 0 });

describe('fuse_lowlevel_notify_iomap_upsert', () => {
  it('no session -EINVAL, minor < 44 -ENOSYS, both maps absent 0, none of them sends', () => {
    expect(libfuseNotifyIomapUpsert(null, 5n, 12n, mapped(), null)).toEqual({ ret: -22, sent: null, kernel: null });
    expect(libfuseNotifyIomapUpsert(session(43).se, 5n, 12n, mapped(), overwrite())).toEqual({ ret: -38, sent: null, kernel: null });
    expect(libfuseNotifyIomapUpsert(session().se, 5n, 12n, null, null)).toEqual({ ret: 0, sent: null, kernel: null });
  });

  it('sends code 9 with both maps copied field by field; the kernel caches them', () => {
    const { se, inode } = session();
    const r = libfuseNotifyIomapUpsert(se, 5n, 12n, mapped(), overwrite());
    expect(r.ret).toBe(0);
    const frame = decodeNotifyFrame(r.sent!);
    expect(frame.ok && frame.value.code).toBe(9);
    const out = frame.ok ? decodeUpsert(frame.value.payload) : null;
    expect(out).toEqual({ ok: true, value: { nodeid: 5n, attrIno: 12n, read: mapped(), write: overwrite() } });
    expect(inode.cacheOrNull!.read.count()).toBe(1);
    expect(inode.cacheOrNull!.write!.count()).toBe(1);
  });

  it('an absent map becomes type NULL with length 0, which the kernel refuses with -EIO (SPEC 8.4)', () => {
    const { se, hazards } = session();
    const r = libfuseNotifyIomapUpsert(se, 5n, 12n, mapped(), null);
    expect(r.ret).toBe(-5);
    expect(r.kernel).toEqual({ err: -5, rule: 'write-zero-length' });
    const out = decodeUpsert(r.sent!.subarray(16));
    expect(out.ok && out.value.write).toEqual({ offset: 0n, length: 0n, addr: 0n, type: FUSE_IOMAP_TYPE_NULL, flags: 0, dev: 0 });
    expect(hazards).toEqual(['libfuse-null-half']);
  });

  it('a 7.44-7.98 kernel does not know code 9: -EINVAL, not the library\'s -ENOSYS (SPEC 8.5)', () => {
    const { se, hazards } = session(44);
    expect(libfuseNotifyIomapUpsert(se, 5n, 12n, mapped(), overwrite()).ret).toBe(-22);
    expect(hazards).toEqual(['libfuse-version-gate']);
  });

  it('v7 sends code 100', () => {
    const { se } = session(99, V7);
    const r = libfuseNotifyIomapUpsert(se, 5n, 12n, mapped(), { ...overwrite(), type: 255 });
    expect(r.ret).toBe(0);
    const f = decodeNotifyFrame(r.sent!);
    expect(f.ok && f.value.code).toBe(100);
  });
});

describe('fuse_lowlevel_notify_iomap_inval', () => {
  it('attr_ino stays 0 (the rfc-v3 kernel ignores it), an absent side is offset 0 length 0 (skipped)', () => {
    const { se, inode } = session();
    libfuseNotifyIomapUpsert(se, 5n, 12n, mapped(), overwrite());
    const r = libfuseNotifyIomapInval(se, 5n, { offset: 0x2000n, length: 0x1000n }, null);
    expect(r.ret).toBe(0);
    const cache = inode.cacheOrNull!;
    expect([...cache.read.records()].map((m) => [m.offset, m.length])).toEqual([
      [0x1000n, 0x1000n],
      [0x3000n, 0x1000n],
    ]);
    expect(cache.write!.count()).toBe(1);
    expect(libfuseNotifyIomapInval(se, 5n, null, null).sent).toBeNull();
    expect(libfuseNotifyIomapInval(session(40).se, 5n, null, { offset: 0n, length: 1n }).ret).toBe(-38);
  });

  it('v7 checks attr_ino on inval, so the library\'s attr_ino 0 is refused with -EINVAL', () => {
    const { se } = session(99, V7);
    libfuseNotifyIomapUpsert(se, 5n, 12n, mapped(), { ...overwrite(), type: 255 });
    expect(libfuseNotifyIomapInval(se, 5n, { offset: 0n, length: 0x1000n }, null).ret).toBe(-22);
  });
});

describe('fuse2fs op_iomap_begin with caching', () => {
  it('caches the read mapping, then replies NULL/NULL, which the kernel accepts and retries from its cache', () => {
    const { se, conn, inode } = session();
    // libfuse's defaults for the write half: pos/count, PURE_OVERWRITE
    const read = mapped();
    const write = overwrite();
    const r = fuse2fsCacheIomap(se, 5n, 12n, read, write);
    expect(r.ret).toBe(0);
    expect(read).toEqual({ offset: 0x1000n, length: 0x3000n, addr: NULL_ADDR, type: FUSE_IOMAP_TYPE_NULL, flags: 0x2, dev: 0 });
    expect(write.type).toBe(FUSE_IOMAP_TYPE_NULL);
    expect(inode.cacheOrNull!.write).toBeNull(); // the write fork is never created for fuse2fs
    const v = beginValidate(conn.protocol, { read, write }, { blockSize: inode.blockSize, maxBytes: inode.maxBytes, cachesIomaps: inode.cachesIomaps }, 0x2000n);
    expect(v).toEqual({ err: 0, rule: '' });
  });

  it('an upsert error fails the request and leaves the read mapping alone (no fallback, SPEC 8.22)', () => {
    const { se } = session(43);
    const read = mapped();
    expect(fuse2fsCacheIomap(se, 5n, 12n, read, overwrite()).ret).toBe(-38);
    expect(read).toEqual(mapped());
    expect(() => fuse2fsCacheIomap(session(99, V7).se, 5n, 12n, mapped(), overwrite())).toThrow(/rfc-v3 fuse2fs only/);
  });
});
