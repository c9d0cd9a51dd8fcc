// SPDX-License-Identifier: GPL-2.0-only
// FUSE_NOTIFY_IOMAP_UPSERT / _INVAL handlers: every validation rule broken
// alone gives its errno; two rules broken together give the one the seed
// checks first; what a good notification does to the cache and the trace.
import { describe, expect, it } from 'vitest';
import { Fork, FUSE_IOMAP_NULL_ADDR as NULL_ADDR, FUSE_IOMAP_TYPE_NULL } from '../src/cache/constants.js';
import { RFC_V3, type Revision } from '../src/cache/revision.js';
import { V7 } from '../src/cache/revision-v7.js';
import {
  encodeInval,
  fromHex,
  encodeNotifyFrame,
  encodeUpsert,
  FMODE_READ,
  FMODE_WRITE,
  FuseConn,
  type FuseEvent,
  type FuseInode,
  type InvalOut,
  notifyIomapInval,
  notifyIomapInvalResult,
  notifyIomapUpsert,
  notifyIomapUpsertResult,
  RFC_V3_INVAL_RULES,
  RFC_V3_UPSERT_RULES,
  type UpsertOut,
  writeNotification,
} from '../src/protocol/index.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;

interface Ctx<T> {
  conn: FuseConn;
  inode: FuseInode;
  out: T;
  events: FuseEvent[];
  hazards: string[];
}

function setup<T>(rev: Revision, out: T): Ctx<T> {
  const events: FuseEvent[] = [];
  const hazards: string[] = [];
  const conn = new FuseConn({ revision: rev, connection: 3, sink: (e) => events.push(e), onHazard: (h) => hazards.push(h.hazard.id) });
  conn.addDevice({ sizeBytes: 1n << 20n }); // 1: 1 MiB read-write
  conn.addDevice({ sizeBytes: 1n << 20n, fmode: FMODE_READ }); // 2: read-only
  conn.addDevice({ sizeBytes: 1n << 20n, fmode: FMODE_WRITE }); // 3: write-only fd
  const inode = conn.addInode({ nodeid: 5n, attrIno: 0x55n, isize: 0x3000n });
  return { conn, inode, out, events, hazards };
}

type Mut<T> = { rule: string; fields: string[]; apply: (c: Ctx<T>) => void };

/** pre-populate a fork with a record at [0x2000, 0x3000) under the lock */
function seedRecord(c: Ctx<unknown>, fork: Fork, type: number): void {
  c.inode.enableCache();
  const cache = c.inode.cacheOrNull!;
  c.inode.withLock('exclusive', () => cache.cacheUpsert(fork, { offset: 0x2000n, length: 0x1000n, addr: type === 2 ? 0x5000n : NULL_ADDR, type, flags: 0, dev: type === 2 ? 1 : 0 }));
}

function runTable<T>(name: string, rev: Revision, base: () => T, muts: Mut<T>[], call: (c: Ctx<T>) => { err: number; rule: string }, minPairs: number) {
  describe(name, () => {
    it('the base notification succeeds', () => {
      const c = setup(rev, base());
      expect(call(c)).toEqual({ err: 0, rule: '' });
    });

    it.each(muts.map((m) => [m.rule, m] as const))('rule %s broken alone', (_r, m) => {
      const c = setup(rev, base());
      m.apply(c);
      const v = call(c);
      expect(v.rule).toBe(m.rule);
      expect(v.err).toBeLessThan(0);
    });

    it('two rules broken together: the one checked first wins', () => {
      let pairs = 0;
      for (let i = 0; i < muts.length; i++)
        for (let j = i + 1; j < muts.length; j++) {
          const [a, b] = [muts[i]!, muts[j]!];
          if (a.fields.some((f) => b.fields.includes(f))) continue;
          for (const order of [[a, b], [b, a]]) {
            const c = setup(rev, base());
            for (const m of order) m.apply(c);
            expect(call(c).rule, `${a.rule} + ${b.rule}`).toBe(a.rule);
          }
          pairs++;
        }
      expect(pairs).toBeGreaterThanOrEqual(minPairs);
    });
  });
}

// ------------------------------------------------------------ rfc-v3 upsert

const baseUpsertV3 = (): UpsertOut => ({
  nodeid: 5n,
  attrIno: 0x55n,
  read: { offset: 0x1000n, length: 0x2000n, addr: 0x10000n, type: 2, flags: 0, dev: 1 },
  write: { offset: 0x1000n, length: 0x2000n, addr: NULL_ADDR, type: 0xffff, flags: 0, dev: 0 },
});

// 001 L10117-10205, in the seed's order; errnos from the C.
const V3_UPSERT: Array<Mut<UpsertOut> & { errno: number }> = [
  { rule: 'iomap-disabled', errno: 22, fields: ['conn'], apply: (c) => (c.conn.iomap = false) },
  { rule: 'write-type', errno: 5, fields: ['wtype'], apply: (c) => (c.out.write.type = 5) },
  { rule: 'write-flags', errno: 5, fields: ['wflags'], apply: (c) => (c.out.write.flags = 0x4000) },
  { rule: 'read-type', errno: 5, fields: ['rtype'], apply: (c) => (c.out.read.type = 253) },
  { rule: 'read-flags', errno: 5, fields: ['rflags'], apply: (c) => (c.out.read.flags = 0x10) },
  { rule: 'read-zero-length', errno: 5, fields: ['rlen'], apply: (c) => (c.out.read.length = 0n) },
  { rule: 'write-zero-length', errno: 5, fields: ['wlen'], apply: (c) => (c.out.write.length = 0n) },
  { rule: 'read-range-overflow', errno: 5, fields: ['roff', 'rlen'], apply: (c) => ((c.out.read.offset = 0x2000n), (c.out.read.length = U64_MAX - 0xfffn)) },
  { rule: 'write-range-overflow', errno: 5, fields: ['woff', 'wlen'], apply: (c) => ((c.out.write.offset = 0x2000n), (c.out.write.length = U64_MAX - 0xfffn)) },
  { rule: 'read-pure-overwrite', errno: 5, fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: 0xffff, dev: 0, addr: NULL_ADDR }) },
  { rule: 'read-no-dev', errno: 5, fields: ['rdev'], apply: (c) => (c.out.read.dev = 0) },
  { rule: 'read-no-addr', errno: 5, fields: ['raddr'], apply: (c) => (c.out.read.addr = NULL_ADDR) },
  { rule: 'read-dev-without-space', errno: 5, fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: 0, dev: 1, addr: NULL_ADDR }) },
  { rule: 'read-addr-without-space', errno: 5, fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: 1, dev: 0, addr: 0n }) },
  { rule: 'write-no-dev', errno: 5, fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: 3, dev: 0, addr: 0n }) },
  { rule: 'write-no-addr', errno: 5, fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: 3, dev: 1, addr: NULL_ADDR }) },
  { rule: 'write-dev-without-space', errno: 5, fields: ['wdev'], apply: (c) => (c.out.write.dev = 1) },
  { rule: 'write-addr-without-space', errno: 5, fields: ['waddr'], apply: (c) => (c.out.write.addr = 0n) },
  { rule: 'read-device-missing', errno: 5, fields: ['rdev'], apply: (c) => (c.out.read.dev = 0x7fff_ffff) },
  { rule: 'read-device-access', errno: 13, fields: ['rdev', 'access'], apply: (c) => ((c.out.read.dev = 3), (c.conn.checkDeviceAccess = true)) },
  { rule: 'read-addr-overflow', errno: 5, fields: ['raddr'], apply: (c) => (c.out.read.addr = U64_MAX - 0x1000n) },
  { rule: 'read-past-device', errno: 5, fields: ['raddr'], apply: (c) => (c.out.read.addr = (1n << 20n) - 0x1000n) },
  { rule: 'write-device-missing', errno: 5, fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: 2, dev: 7, addr: 0n }) },
  { rule: 'write-device-access', errno: 13, fields: ['wtype', 'wdev', 'waddr', 'access'], apply: (c) => (Object.assign(c.out.write, { type: 2, dev: 2, addr: 0n }), (c.conn.checkDeviceAccess = true)) },
  { rule: 'write-addr-overflow', errno: 5, fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: 2, dev: 1, addr: U64_MAX - 0x1000n }) },
  { rule: 'write-past-device', errno: 5, fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: 2, dev: 1, addr: 0xff000n }) },
  { rule: 'stale-nodeid', errno: 116, fields: ['nodeid'], apply: (c) => (c.out.nodeid = 6n) },
  { rule: 'attr-ino-mismatch', errno: 22, fields: ['attrino'], apply: (c) => (c.out.attrIno = 5n) },
  { rule: 'bad-inode', errno: 5, fields: ['bad'], apply: (c) => (c.inode.bad = true) },
  { rule: 'read-offset-past-maxbytes', errno: 5, fields: ['maxbytes'], apply: (c) => (c.inode.maxBytes = 0x1000n) },
  { rule: 'read-offset-unaligned', errno: 5, fields: ['roff'], apply: (c) => (c.out.read.offset = 0x1200n) },
  { rule: 'read-length-unaligned', errno: 5, fields: ['rlen'], apply: (c) => (c.out.read.length = 0x2200n) },
  { rule: 'write-offset-unaligned', errno: 5, fields: ['woff'], apply: (c) => (c.out.write.offset = 0x1200n) },
  { rule: 'write-length-unaligned', errno: 5, fields: ['wlen'], apply: (c) => (c.out.write.length = 0x2200n) },
  // remove-end-overflow (SPEC 8.3): the remove step is a no-op, the add then finds an old record: -EUCLEAN
  { rule: 'read-cache', errno: 117, fields: ['rtype', 'rdev', 'raddr', 'rlen', 'rfork'], apply: (c) => (seedRecord(c, Fork.READ, 0), Object.assign(c.out.read, { type: 0, dev: 0, addr: NULL_ADDR, length: U64_MAX - 0x1fffn })) },
  { rule: 'write-cache', errno: 117, fields: ['wtype', 'wdev', 'waddr', 'wlen', 'wfork'], apply: (c) => (seedRecord(c, Fork.WRITE, 0), (c.out.write.length = U64_MAX - 0x1fffn)) },
];

const callUpsert = (c: Ctx<UpsertOut>) => notifyIomapUpsertResult(c.conn, encodeUpsert(c.out));
runTable('rfc-v3 fuse_iomap_upsert rule order', RFC_V3, baseUpsertV3, V3_UPSERT, callUpsert, 400);

describe('rfc-v3 upsert errnos and effects', () => {
  it.each(V3_UPSERT.map((m) => [m.rule, m.errno] as const))('%s gives -%i', (rule, errno) => {
    const c = setup(RFC_V3, baseUpsertV3());
    V3_UPSERT.find((m) => m.rule === rule)!.apply(c);
    expect(notifyIomapUpsert(c.conn, encodeUpsert(c.out))).toBe(-errno);
  });

  it('the table lists the rules in the order the model exports them', () => {
    const exported = RFC_V3_UPSERT_RULES.filter((r) => r !== 'size' && !r.endsWith('offset-past-maxbytes') || r === 'read-offset-past-maxbytes');
    expect(V3_UPSERT.map((m) => m.rule)).toEqual(exported.filter((r) => V3_UPSERT.some((m) => m.rule === r)));
  });

  it('a wrong size is -EINVAL before anything else', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    c.conn.iomap = false;
    expect(notifyIomapUpsertResult(c.conn, encodeUpsert(c.out).subarray(0, 72))).toEqual({ err: -22, rule: 'size' });
  });

  it('caches both halves, enables the cache once (fuse_iomap_cache_enable after the lock), events in C order', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    c.conn.sink = (e) => c.events.push(e);
    expect(notifyIomapUpsert(c.conn, c.out)).toBe(0);
    const cache = c.inode.cacheOrNull!;
    expect([...cache.read.records()]).toEqual([{ offset: 0x1000n, length: 0x2000n, addr: 0x10000n, type: 2, flags: 0, dev: 1 }]);
    expect([...cache.write!.records()]).toEqual([{ offset: 0x1000n, length: 0x2000n, addr: NULL_ADDR, type: 0xffff, flags: 0, dev: 0 }]);
    expect(cache.seq).toBe(2n);
    const names = c.events.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(['fuse_iomap_upsert', 'fuse_iomap_cache_enable', 'fuse_iomap_cache_remove']);
    expect(c.events[0]).toMatchObject({ inode: { connection: 3, ino: 0x55n, nodeid: 5n }, isize: 0x3000n, out: c.out });
    expect(c.events[1]).toMatchObject({ state: 0x180 });
    c.events.length = 0;
    expect(notifyIomapUpsert(c.conn, c.out)).toBe(0);
    expect(c.events.filter((e) => e.name === 'fuse_iomap_cache_enable')).toHaveLength(0);
    expect(c.inode.lockState()).toBe('free');
  });

  it('traces fuse_iomap_upsert even when a later inode check fails, but not for a stale nodeid', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    c.out.attrIno = 1n;
    notifyIomapUpsert(c.conn, c.out);
    expect(c.events.map((e) => e.name)).toEqual(['fuse_iomap_upsert']);
    c.events.length = 0;
    c.out.nodeid = 77n;
    notifyIomapUpsert(c.conn, c.out);
    expect(c.events).toEqual([]);
  });

  it('a NULL half is ignored but still needs a non-zero length; two NULL halves still enable the cache', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    Object.assign(c.out.write, { type: FUSE_IOMAP_TYPE_NULL, dev: 77, addr: 5n, offset: 0x1234n });
    expect(notifyIomapUpsert(c.conn, c.out)).toBe(0);
    expect(c.inode.cacheOrNull!.write).toBeNull();
    const d = setup(RFC_V3, baseUpsertV3());
    Object.assign(d.out.read, { type: FUSE_IOMAP_TYPE_NULL });
    Object.assign(d.out.write, { type: FUSE_IOMAP_TYPE_NULL });
    expect(notifyIomapUpsert(d.conn, d.out)).toBe(0);
    expect(d.inode.cachesIomaps).toBe(true);
    expect(d.events.map((e) => e.name)).toEqual(['fuse_iomap_upsert', 'fuse_iomap_cache_enable']);
  });

  it('accepts an offset >= 2^63 (signed compare with s_maxbytes) and reports it (SPEC 8.2)', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    c.out.write.type = FUSE_IOMAP_TYPE_NULL;
    c.out.read.offset = 0x8000_0000_0000_1000n;
    expect(notifyIomapUpsert(c.conn, c.out)).toBe(0);
    expect(c.hazards).toContain('upsert-signed-offset');
    expect(c.hazards).toContain('negative-offset-record');
  });

  it('an upsert into a non-fileio inode works on a zeroed cache and reports SPEC 8.6', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    c.conn.addInode({ nodeid: 9n, fileio: false });
    expect(notifyIomapUpsert(c.conn, { ...c.out, nodeid: 9n, attrIno: 9n })).toBe(0);
    expect(c.hazards).toEqual(['notify-uninitialised-cache']);
  });

  it('writeNotification routes code 9 and 10 and refuses other codes', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    expect(writeNotification(c.conn, encodeNotifyFrame(9, encodeUpsert(c.out)))).toEqual({ err: 0, rule: '' });
    const inval: InvalOut = { nodeid: 5n, attrIno: 0n, read: { offset: 0n, length: U64_MAX }, write: { offset: 0n, length: 0n } };
    expect(writeNotification(c.conn, encodeNotifyFrame(10, encodeInval(inval)))).toEqual({ err: 0, rule: '' });
    expect(writeNotification(c.conn, encodeNotifyFrame(100, encodeInval(inval)))).toEqual({ err: -22, rule: 'unknown-notify-code' });
    expect(writeNotification(c.conn, encodeNotifyFrame(10, encodeUpsert(c.out)))).toEqual({ err: -22, rule: 'size' });
  });
});

// ------------------------------------------------------------- rfc-v3 inval

const baseInvalV3 = (): InvalOut => ({ nodeid: 5n, attrIno: 0x55n, read: { offset: 0x1000n, length: 0x1000n }, write: { offset: 0x2000n, length: 0x1000n } });

const V3_INVAL: Array<Mut<InvalOut>> = [
  { rule: 'iomap-disabled', fields: ['conn'], apply: (c) => (c.conn.iomap = false) },
  { rule: 'stale-nodeid', fields: ['nodeid'], apply: (c) => (c.out.nodeid = 1n) },
  { rule: 'bad-inode', fields: ['bad'], apply: (c) => (c.inode.bad = true) },
  { rule: 'write-offset-past-maxbytes', fields: ['maxbytes'], apply: (c) => (c.inode.maxBytes = 0x1000n) },
  { rule: 'write-offset-unaligned', fields: ['woff'], apply: (c) => (c.out.write.offset = 0x2001n) },
  { rule: 'write-length-unaligned', fields: ['wlen'], apply: (c) => (c.out.write.length = 0x10n) },
  { rule: 'read-offset-past-maxbytes', fields: ['roff'], apply: (c) => (c.out.read.offset = 0x8000_0000_0000_0000n) },
  { rule: 'read-offset-unaligned', fields: ['roff'], apply: (c) => (c.out.read.offset = 0x1800n) },
  { rule: 'read-length-unaligned', fields: ['rlen'], apply: (c) => (c.out.read.length = 0xfffffffffffffffen) },
];

runTable('rfc-v3 fuse_iomap_inval rule order', RFC_V3, baseInvalV3, V3_INVAL, (c) => notifyIomapInvalResult(c.conn, encodeInval(c.out)), 30);

describe('rfc-v3 inval', () => {
  it('rule names follow the exported order', () => {
    expect(V3_INVAL.map((m) => m.rule)).toEqual(RFC_V3_INVAL_RULES.filter((r) => V3_INVAL.some((m) => m.rule === r)));
  });

  it('removes the ranges, skips zero lengths, ignores attr_ino (reported, SPEC 8.18), TO_EOF needs no alignment', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    expect(notifyIomapUpsert(c.conn, c.out)).toBe(0);
    const inval: InvalOut = { nodeid: 5n, attrIno: 0n, read: { offset: 0x2000n, length: U64_MAX }, write: { offset: 0n, length: 0n } };
    expect(notifyIomapInval(c.conn, inval)).toBe(0);
    expect(c.hazards).toEqual(['inval-ignores-attr-ino']);
    const cache = c.inode.cacheOrNull!;
    expect([...cache.read.records()].map((r) => [r.offset, r.length])).toEqual([[0x1000n, 0x1000n]]);
    expect(cache.write!.count()).toBe(1);
  });

  it('offset 0 with TO_EOF empties the fork through the shortcut without bumping the sequence (SPEC 8.1)', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    notifyIomapUpsert(c.conn, c.out);
    const seq = c.inode.cacheOrNull!.seq;
    expect(notifyIomapInval(c.conn, { nodeid: 5n, attrIno: 0x55n, read: { offset: 0n, length: U64_MAX }, write: { offset: 0n, length: U64_MAX } })).toBe(0);
    expect(c.inode.cacheOrNull!.read.count()).toBe(0);
    expect(c.inode.cacheOrNull!.seq).toBe(seq);
    expect(c.hazards.filter((h) => h === 'erase-all-no-seq-bump')).toHaveLength(2);
  });

  it('validates both ranges before failing: the write error wins even when the read range is bad too', () => {
    const c = setup(RFC_V3, baseInvalV3());
    c.out.read.offset = 0x1800n;
    c.out.write.length = 0x10n;
    expect(notifyIomapInvalResult(c.conn, c.out)).toEqual({ err: -5, rule: 'write-length-unaligned' });
  });
});

// ------------------------------------------------------------------ v7

const baseUpsertV7 = (): UpsertOut => ({
  nodeid: 5n,
  attrIno: 0x55n,
  read: { offset: 0x1000n, length: 0x2000n, addr: 0x10000n, type: 2, flags: 0, dev: 1 },
  write: { offset: 0x1000n, length: 0x2000n, addr: NULL_ADDR, type: 1, flags: 0, dev: 0 },
});

const V7_UPSERT: Array<Mut<UpsertOut>> = [
  { rule: 'iomap-disabled', fields: ['conn'], apply: (c) => (c.conn.iomap = false) },
  { rule: 'stale-nodeid', fields: ['nodeid'], apply: (c) => (c.out.nodeid = 6n) },
  { rule: 'attr-ino-mismatch', fields: ['attrino'], apply: (c) => (c.out.attrIno = 0n) },
  { rule: 'bad-inode', fields: ['bad'], apply: (c) => (c.inode.bad = true) },
  { rule: 'read-type', fields: ['rtype'], apply: (c) => (c.out.read.type = 0xfffe) },
  { rule: 'read-flags', fields: ['rflags'], apply: (c) => (c.out.read.flags = 0x1000) },
  { rule: 'read-zero-length', fields: ['rlen'], apply: (c) => (c.out.read.length = 0n) },
  { rule: 'read-offset-unaligned', fields: ['roff'], apply: (c) => (c.out.read.offset = 0x1001n) },
  { rule: 'read-offset-past-maxbytes', fields: ['maxbytes'], apply: (c) => (c.inode.maxBytes = 0x1000n) },
  { rule: 'read-pure-overwrite-in-read', fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: 255, dev: 0, addr: NULL_ADDR }) },
  { rule: 'read-device-missing', fields: ['rdev'], apply: (c) => (c.out.read.dev = 9) },
  { rule: 'read-past-device', fields: ['raddr'], apply: (c) => (c.out.read.addr = 0xff000n) },
  { rule: 'write-type', fields: ['wtype'], apply: (c) => (c.out.write.type = 0xffff) },
  { rule: 'write-zero-length', fields: ['wlen'], apply: (c) => (c.out.write.length = 0n) },
  // a RETRY_CACHE half skips every other check of check_mapping
  { rule: 'write-retry-in-upsert', fields: ['wtype', 'wlen', 'woff', 'waddr', 'wdev', 'wflags', 'cache', 'maxbytes'], apply: (c) => ((c.out.write.type = 254), c.inode.enableCache()) },
  { rule: 'write-addr-without-space', fields: ['waddr'], apply: (c) => (c.out.write.addr = 0x3000n) },
];

runTable('v7 fuse_iomap_upsert_mappings rule order', V7, baseUpsertV7, V7_UPSERT, (c) => notifyIomapUpsertResult(c.conn, encodeUpsert(c.out)), 80);

describe('v7 notifications', () => {
  it('inode checks come before the mapping checks, errors are -EFSCORRUPTED, a device of 0 sectors is -EINVAL', () => {
    const c = setup(V7, baseUpsertV7());
    c.out.read.type = 0xfffe;
    expect(notifyIomapUpsertResult(c.conn, c.out)).toEqual({ err: -117, rule: 'read-type' });
    c.out.nodeid = 6n;
    expect(notifyIomapUpsertResult(c.conn, c.out)).toEqual({ err: -116, rule: 'stale-nodeid' });
    const d = setup(V7, baseUpsertV7());
    d.conn.addDevice({ sizeBytes: 100n }); // 4: less than a sector
    d.out.read.dev = 4;
    expect(notifyIomapUpsertResult(d.conn, d.out)).toEqual({ err: -22, rule: 'read-device-gone' });
  });

  it('allocates the cache (fuse_iomap_cache_alloc) on the first upsert, NOCACHE halves are skipped', () => {
    const c = setup(V7, baseUpsertV7());
    c.out.write.type = 253;
    expect(notifyIomapUpsert(c.conn, c.out)).toBe(0);
    expect(c.events.map((e) => e.name).slice(0, 2)).toEqual(['fuse_iomap_upsert_mappings', 'fuse_iomap_cache_alloc']);
    expect(c.inode.cacheOrNull!.write).toBeNull();
    expect(c.inode.cacheOrNull!.seq).toBe(2n);
  });

  it('inval: attr_ino is checked, nothing happens without a cache, write range validated first', () => {
    const c = setup(V7, baseInvalV3());
    expect(notifyIomapInvalResult(c.conn, { ...c.out, attrIno: 1n })).toEqual({ err: -22, rule: 'attr-ino-mismatch' });
    expect(notifyIomapInvalResult(c.conn, c.out)).toEqual({ err: 0, rule: '' });
    expect(c.inode.cachesIomaps).toBe(false);
    c.out.read.offset = 0x1001n;
    c.out.write.offset = 0x2001n;
    expect(notifyIomapInvalResult(c.conn, c.out)).toEqual({ err: -117, rule: 'write-offset-unaligned' });
  });

  it('uses codes 100 and 101', () => {
    const c = setup(V7, baseUpsertV7());
    expect(writeNotification(c.conn, encodeNotifyFrame(100, encodeUpsert(c.out)))).toEqual({ err: 0, rule: '' });
    expect(writeNotification(c.conn, encodeNotifyFrame(9, encodeUpsert(c.out)))).toEqual({ err: -22, rule: 'unknown-notify-code' });
    expect(writeNotification(c.conn, encodeNotifyFrame(101, encodeInval(baseInvalV3())))).toEqual({ err: 0, rule: '' });
  });
});

describe('seed problems shown with bytes', () => {
  it('an rfc-v3 upsert is not atomic: the read half stays cached when the write half fails', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    seedRecord(c as Ctx<unknown>, Fork.WRITE, 0);
    Object.assign(c.out.write, { type: 0, length: U64_MAX - 0x1fffn });
    expect(notifyIomapUpsertResult(c.conn, c.out)).toEqual({ err: -117, rule: 'write-cache' });
    expect([...c.inode.cacheOrNull!.read.records()]).toEqual([{ offset: 0x1000n, length: 0x2000n, addr: 0x10000n, type: 2, flags: 0, dev: 1 }]);
  });

  it('v7: mappings cached past s_maxbytes leave mergeable neighbours that the debug checker calls corruption', () => {
    const c = setup(V7, baseUpsertV7());
    const hole = (offset: bigint, length: bigint) => ({ offset, length, addr: NULL_ADDR, type: 0, flags: 0, dev: 0 });
    const skip = { offset: 0n, length: 0x1000n, addr: NULL_ADDR, type: 253, flags: 0, dev: 0 };
    expect(notifyIomapUpsert(c.conn, { nodeid: 5n, attrIno: 0x55n, read: hole(0x1000n, 0x7fff_ffff_ffff_f000n), write: skip })).toBe(0);
    expect(notifyIomapUpsert(c.conn, { nodeid: 5n, attrIno: 0x55n, read: hole(0x7fff_ffff_ffff_f000n, 0x1f000n), write: skip })).toBe(0);
    expect(c.hazards).toContain('upsert-end-past-maxbytes');
    expect(c.inode.cacheOrNull!.checkMappings(Fork.READ)).toEqual([]);
    expect(notifyIomapInval(c.conn, { nodeid: 5n, attrIno: 0x55n, read: { offset: 0x1c000n, length: 0x17000n }, write: { offset: 0n, length: 0n } })).toBe(0);
    expect(c.inode.cacheOrNull!.checkMappings(Fork.READ).map((p) => p.what)).toEqual(['record could merge with its predecessor']);
  });
});

describe('locking around the update', () => {
  it('rfc-v3: trace upsert, take im_lock exclusive, enable, update, release (lock tracepoints on)', () => {
    const events: FuseEvent[] = [];
    const conn = new FuseConn({ traceLocks: true, sink: (e) => events.push(e) });
    conn.addDevice({ sizeBytes: 1n << 20n });
    const inode = conn.addInode({ nodeid: 5n, attrIno: 0x55n });
    expect(notifyIomapUpsert(conn, baseUpsertV3())).toBe(0);
    const names = events.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(['fuse_iomap_upsert', 'fuse_iomap_cache_lock', 'fuse_iomap_cache_enable']);
    expect(names.at(-1)).toBe('fuse_iomap_cache_unlock');
    expect(names.filter((n) => n === 'fuse_iomap_cache_lock')).toHaveLength(1);
    expect(events[1]).toMatchObject({ lockFlags: 2 });
    expect(inode.lockState()).toBe('free');
  });

  it('a failed validation takes no lock', () => {
    const events: FuseEvent[] = [];
    const conn = new FuseConn({ traceLocks: true, sink: (e) => events.push(e) });
    conn.addDevice({ sizeBytes: 1n << 20n });
    conn.addInode({ nodeid: 5n, attrIno: 0x55n });
    expect(notifyIomapUpsert(conn, { ...baseUpsertV3(), attrIno: 1n })).toBe(-22);
    expect(events.map((e) => e.name)).toEqual(['fuse_iomap_upsert']);
  });
});

describe('inval length without an upper bound (SPEC 8.3)', () => {
  it('rfc-v3: offset 0x2000 length 2^64-0x2000 removes nothing from a height-1 fork and answers 0', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    for (let i = 0n; i < 5n; i++)
      notifyIomapUpsert(c.conn, { nodeid: 5n, attrIno: 0x55n, read: { offset: i * 0x2000n, length: 0x1000n, addr: 0x10000n * i, type: 2, flags: 0, dev: 1 }, write: { offset: 0n, length: 0x1000n, addr: NULL_ADDR, type: FUSE_IOMAP_TYPE_NULL, flags: 0, dev: 0 } });
    const bytes = fromHex('0500000000000000 5500000000000000 0020000000000000 00e0ffffffffffff 0000000000000000 0000000000000000')!;
    expect(notifyIomapInvalResult(c.conn, bytes)).toEqual({ err: 0, rule: '' });
    expect(c.inode.cacheOrNull!.read.count()).toBe(5);
    expect(c.hazards).toContain('remove-end-overflow');
  });
});

describe('upsert at 2^63 (SPEC 8.2), the bytes of docs/protocol.md', () => {
  it('is accepted by the signed s_maxbytes compare and wipes a 20-record height-2 read fork', () => {
    const c = setup(RFC_V3, baseUpsertV3());
    c.conn.inodes.delete(5n);
    const ino = c.conn.addInode({ nodeid: 5n, attrIno: 5n });
    for (let i = 0n; i < 20n; i++)
      notifyIomapUpsert(c.conn, { nodeid: 5n, attrIno: 5n, read: { offset: i * 0x2000n, length: 0x1000n, addr: i * 0x10000n, type: 2, flags: 0, dev: 1 }, write: { offset: 0n, length: 0x1000n, addr: NULL_ADDR, type: FUSE_IOMAP_TYPE_NULL, flags: 0, dev: 0 } });
    expect(ino.cacheOrNull!.read.height).toBe(2);
    const bytes = fromHex('0500000000000000 0500000000000000 0000000000000080 0010000000000000 0000000000000000 0200 0000 01000000 0000000000000000 0010000000000000 ffffffffffffffff feff 0000 00000000')!;
    expect(notifyIomapUpsertResult(c.conn, bytes)).toEqual({ err: 0, rule: '' });
    expect(ino.cacheOrNull!.read.count()).toBe(1);
    expect(c.hazards).toEqual(expect.arrayContaining(['upsert-signed-offset', 'remove-end-overflow', 'negative-offset-record']));
  });
});
