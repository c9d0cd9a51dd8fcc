// SPDX-License-Identifier: GPL-2.0-only
// FUSE_IOMAP_BEGIN reply validation: each rule broken alone gives its errno
// and rule; two rules broken together give the one the seed checks first.
import { describe, expect, it } from 'vitest';
import {
  FUSE_IOMAP_NULL_ADDR as NULL_ADDR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_NULL,
  FUSE_IOMAP_TYPE_PURE_OVERWRITE,
  FUSE_IOMAP_F_SIZE_CHANGED,
  FUSE_IOMAP_F_STALE,
} from '../src/cache/constants.js';
import {
  type BeginInodeView,
  type BeginOut,
  beginValidate,
  checkFlags,
  checkType,
  RFC_V3_PROTOCOL as P3,
  V7_PROTOCOL as P7,
} from '../src/protocol/index.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const S64_MAX = 0x7fff_ffff_ffff_ffffn;

interface Case {
  base: () => { out: BeginOut; inode: BeginInodeView; pos: bigint };
}
type Mutation = { rule: string; fields: string[]; apply: (c: ReturnType<Case['base']>) => void };

// rfc-v3: a read MAPPED at [0x1000, 0x3000) on device 1, a pure-overwrite
// write half; iomap asks about pos 0x2000.
function baseV3() {
  const range = { offset: 0x1000n, length: 0x2000n };
  return {
    out: {
      read: { ...range, addr: 0x10000n, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 },
      write: { ...range, addr: NULL_ADDR, type: FUSE_IOMAP_TYPE_PURE_OVERWRITE, flags: 0, dev: 0 },
    },
    inode: { blockSize: 0x1000n, maxBytes: S64_MAX, cachesIomaps: false },
    pos: 0x2000n,
  };
}

/** Sets the shared offset/length of an rfc-v3 reply (both halves carry it after decoding). */
const setRange = (c: ReturnType<typeof baseV3>, offset: bigint, length: bigint) => {
  c.out.read.offset = c.out.write.offset = offset;
  c.out.read.length = c.out.write.length = length;
};

// The seed's order of fuse_iomap_begin_validate (001 L1724-1855 after
// 02/13, 13/13 and cache 2/4), written out here independently of the model.
const V3_MUTATIONS: Mutation[] = [
  { rule: 'read-type', fields: ['rtype'], apply: (c) => (c.out.read.type = 7) },
  { rule: 'read-flags', fields: ['rflags'], apply: (c) => (c.out.read.flags = FUSE_IOMAP_F_STALE) },
  { rule: 'write-type', fields: ['wtype'], apply: (c) => (c.out.write.type = 0xfffd) },
  { rule: 'write-flags', fields: ['wflags'], apply: (c) => (c.out.write.flags = 0x10) },
  { rule: 'offset-after-pos', fields: ['pos'], apply: (c) => (c.pos = 0x0n) },
  { rule: 'zero-length', fields: ['range'], apply: (c) => setRange(c, 0x1000n, 0n) },
  { rule: 'offset-unaligned', fields: ['range'], apply: (c) => setRange(c, 0x1800n, 0x2000n) },
  { rule: 'length-unaligned', fields: ['range'], apply: (c) => setRange(c, 0x1000n, 0x1800n) },
  { rule: 'range-overflow', fields: ['range', 'raddr'], apply: (c) => (setRange(c, 0x1000n, U64_MAX - 0xfffn), (c.out.read.addr = 0n)) },
  { rule: 'end-not-after-pos', fields: ['pos'], apply: (c) => (c.pos = 0x3000n) },
  { rule: 'offset-past-maxbytes', fields: ['maxbytes'], apply: (c) => (c.inode.maxBytes = 0x1000n) },
  { rule: 'read-pure-overwrite', fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: FUSE_IOMAP_TYPE_PURE_OVERWRITE, dev: 0, addr: NULL_ADDR }) },
  { rule: 'read-no-dev', fields: ['rdev'], apply: (c) => (c.out.read.dev = 0) },
  { rule: 'read-no-addr', fields: ['raddr'], apply: (c) => (c.out.read.addr = NULL_ADDR) },
  { rule: 'read-null-without-cache', fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: FUSE_IOMAP_TYPE_NULL, dev: 0, addr: NULL_ADDR }) },
  { rule: 'read-dev-without-space', fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: FUSE_IOMAP_TYPE_HOLE, dev: 1, addr: NULL_ADDR }) },
  { rule: 'read-addr-without-space', fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: FUSE_IOMAP_TYPE_DELALLOC, dev: 0, addr: 0x5000n }) },
  { rule: 'write-no-dev', fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: FUSE_IOMAP_TYPE_MAPPED, dev: 0, addr: 0x9000n }) },
  { rule: 'write-no-addr', fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: FUSE_IOMAP_TYPE_MAPPED, dev: 2, addr: NULL_ADDR }) },
  { rule: 'write-null-without-cache', fields: ['wtype'], apply: (c) => (c.out.write.type = FUSE_IOMAP_TYPE_NULL) },
  { rule: 'write-dev-without-space', fields: ['wdev'], apply: (c) => (c.out.write.dev = 3) },
  { rule: 'write-addr-without-space', fields: ['waddr'], apply: (c) => (c.out.write.addr = 0n) },
  { rule: 'read-addr-overflow', fields: ['raddr'], apply: (c) => (c.out.read.addr = U64_MAX - 0x1000n) },
  { rule: 'write-addr-overflow', fields: ['wtype', 'wdev', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: FUSE_IOMAP_TYPE_MAPPED, dev: 2, addr: U64_MAX - 0x1000n }) },
];

function runTable(name: string, p: typeof P3, base: () => ReturnType<typeof baseV3>, muts: Mutation[], errno: number) {
  describe(name, () => {
    it('accepts the base reply', () => {
      const c = base();
      expect(beginValidate(p, c.out, c.inode, c.pos)).toEqual({ err: 0, rule: '' });
    });

    it.each(muts.map((m) => [m.rule, m] as const))('rule %s broken alone', (_rule, m) => {
      const c = base();
      m.apply(c);
      expect(beginValidate(p, c.out, c.inode, c.pos)).toEqual({ err: -errno, rule: m.rule });
    });

    it('two rules broken together: the one checked first wins', () => {
      let pairs = 0;
      for (let i = 0; i < muts.length; i++)
        for (let j = i + 1; j < muts.length; j++) {
          const a = muts[i]!;
          const b = muts[j]!;
          if (a.fields.some((f) => b.fields.includes(f))) continue;
          for (const order of [[a, b], [b, a]]) {
            const c = base();
            for (const m of order) m.apply(c);
            expect(beginValidate(p, c.out, c.inode, c.pos).rule, `${a.rule} + ${b.rule}`).toBe(a.rule);
          }
          pairs++;
        }
      expect(pairs).toBeGreaterThan(150);
    });
  });
}

runTable('rfc-v3 fuse_iomap_begin_validate', P3, baseV3, V3_MUTATIONS, 5);

describe('rfc-v3 begin validation details', () => {
  it('accepts a NULL read half only once the inode caches iomaps, and then needs no device', () => {
    const c = baseV3();
    Object.assign(c.out.read, { type: FUSE_IOMAP_TYPE_NULL, dev: 0, addr: NULL_ADDR });
    expect(beginValidate(P3, c.out, c.inode, c.pos).rule).toBe('read-null-without-cache');
    c.inode.cachesIomaps = true;
    expect(beginValidate(P3, c.out, c.inode, c.pos).err).toBe(0);
  });

  it('compares offset with s_maxbytes and pos as u64 (offset 2^63 is past LLONG_MAX)', () => {
    const c = baseV3();
    setRange(c, 0x8000_0000_0000_0000n, 0x1000n);
    c.pos = -0x8000_0000_0000_0000n + 0x800n; // loff_t pos that is 2^63 + 0x800 as u64
    expect(beginValidate(P3, c.out, c.inode, c.pos).rule).toBe('offset-past-maxbytes');
  });

  it('SIZE_CHANGED and STALE are not accepted from servers; INLINE is (after PATCH 13/13)', () => {
    expect(checkFlags(P3, FUSE_IOMAP_F_SIZE_CHANGED)).toBe(false);
    expect(checkFlags(P3, 0x11ef)).toBe(true);
    expect(checkType(P3, 4)).toBe(true);
    expect(checkType(P3, 253)).toBe(false);
    const c = baseV3();
    Object.assign(c.out.read, { type: 4, dev: 0, addr: NULL_ADDR });
    expect(beginValidate(P3, c.out, c.inode, c.pos).err).toBe(0);
  });
});

// v7: two fuse_iomap_io halves; a read MAPPED [0x1000, 0x3000) and a write
// pure overwrite [0x2000, 0x3000); pos 0x2000.
function baseV7() {
  return {
    out: {
      read: { offset: 0x1000n, length: 0x2000n, addr: 0x10000n, type: 2, flags: 0, dev: 1 },
      write: { offset: 0x2000n, length: 0x1000n, addr: NULL_ADDR, type: 255, flags: 0, dev: 0 },
    },
    inode: { blockSize: 0x1000n, maxBytes: S64_MAX, cachesIomaps: false },
    pos: 0x2000n,
  };
}

const READ_HALF = ['rtype', 'rdev', 'raddr', 'rflags', 'rlen', 'roff', 'maxbytes'];
const WRITE_HALF = ['wtype', 'wdev', 'waddr', 'wflags', 'wlen', 'woff', 'maxbytes'];

// fuse_iomap_check_mapping(read), (write), then fuse_iomap_begin_validate's own checks
const V7_MUTATIONS: Mutation[] = [
  { rule: 'read-type', fields: ['rtype'], apply: (c) => (c.out.read.type = 0xfffe) },
  // NOCACHE and RETRY_CACHE halves skip every other check of their half: they shadow those rules
  { rule: 'read-retry-without-cache', fields: READ_HALF, apply: (c) => Object.assign(c.out.read, { type: 254, dev: 0, addr: NULL_ADDR }) },
  { rule: 'read-flags', fields: ['rflags'], apply: (c) => (c.out.read.flags = 0x100) },
  { rule: 'read-zero-length', fields: ['rlen'], apply: (c) => (c.out.read.length = 0n) },
  { rule: 'read-offset-unaligned', fields: ['roff'], apply: (c) => (c.out.read.offset = 0x1200n) },
  { rule: 'read-length-unaligned', fields: ['rlen'], apply: (c) => (c.out.read.length = 0x2200n) },
  { rule: 'read-range-overflow', fields: ['rlen', 'raddr'], apply: (c) => ((c.out.read.length = U64_MAX - 0xfffn), (c.out.read.addr = 0n)) },
  { rule: 'read-offset-past-maxbytes', fields: ['maxbytes'], apply: (c) => (c.inode.maxBytes = 0x1000n) },
  { rule: 'read-no-dev', fields: ['rdev'], apply: (c) => (c.out.read.dev = 0) },
  { rule: 'read-no-addr', fields: ['raddr'], apply: (c) => (c.out.read.addr = NULL_ADDR) },
  { rule: 'read-pure-overwrite-in-read', fields: ['rtype', 'rdev', 'raddr'], apply: (c) => Object.assign(c.out.read, { type: 255, dev: 0, addr: NULL_ADDR }) },
  { rule: 'read-addr-overflow', fields: ['raddr'], apply: (c) => (c.out.read.addr = U64_MAX - 0x1000n) },
  { rule: 'write-type', fields: ['wtype'], apply: (c) => (c.out.write.type = 0xffff) },
  { rule: 'write-flags', fields: ['wflags'], apply: (c) => (c.out.write.flags = 0x8000) },
  { rule: 'write-zero-length', fields: ['wlen'], apply: (c) => (c.out.write.length = 0n) },
  { rule: 'write-dev-without-space', fields: ['wtype', 'wdev'], apply: (c) => Object.assign(c.out.write, { type: 0, dev: 4 }) },
  { rule: 'write-addr-without-space', fields: ['wtype', 'waddr'], apply: (c) => Object.assign(c.out.write, { type: 1, addr: 0x7000n }) },
  { rule: 'read-nocache', fields: READ_HALF, apply: (c) => Object.assign(c.out.read, { type: 253, dev: 0, addr: NULL_ADDR }) },
  { rule: 'write-nocache', fields: WRITE_HALF, apply: (c) => (c.out.write.type = 253) },
  { rule: 'write-offset-after-pos', fields: ['woff'], apply: (c) => (c.out.write.offset = 0x3000n) },
  { rule: 'write-end-not-after-pos', fields: ['wlen', 'woff'], apply: (c) => ((c.out.write.offset = 0x1000n), (c.out.write.length = 0x1000n)) },
];

runTable('v7 fuse_iomap_check_mapping + fuse_iomap_begin_validate', P7, baseV7, V7_MUTATIONS, 117);

describe('v7 begin validation details', () => {
  it('a RETRY_CACHE half skips the field checks but must still cover pos', () => {
    const c = baseV7();
    c.inode.cachesIomaps = true;
    Object.assign(c.out.read, { type: 254, flags: 0xffff, dev: 9, addr: 5n });
    expect(beginValidate(P7, c.out, c.inode, c.pos).err).toBe(0);
    c.out.read.length = 0n;
    expect(beginValidate(P7, c.out, c.inode, c.pos).rule).toBe('read-end-not-after-pos');
  });

  it('a NOCACHE or RETRY_CACHE half has its flags, length and range unchecked by check_mapping', () => {
    const c = baseV7();
    Object.assign(c.out.write, { type: 253, flags: 0xffff, length: 0n, offset: 0x1234n });
    // only begin_validate's own NOCACHE rule catches it
    expect(beginValidate(P7, c.out, c.inode, c.pos).rule).toBe('write-nocache');
  });

  it('read-offset-after-pos is checked before the write half coverage', () => {
    const c = baseV7();
    c.out.read.offset = 0x3000n;
    c.out.write.offset = 0x3000n;
    expect(beginValidate(P7, c.out, c.inode, c.pos)).toEqual({ err: -117, rule: 'read-offset-after-pos' });
  });
});

describe('v7 begin replies need a valid write half for every op', () => {
  it('a zeroed write half is -EFSCORRUPTED even for a read', () => {
    const c = baseV7();
    c.out.write = { offset: 0n, length: 0n, addr: 0n, type: 0, flags: 0, dev: 0 };
    expect(beginValidate(P7, c.out, c.inode, c.pos)).toEqual({ err: -117, rule: 'write-zero-length' });
  });
});

describe('well-formed replies are accepted (property)', () => {
  it('rfc-v3: any aligned range covering pos with consistent types, devices and addresses passes', async () => {
    const fc = (await import('fast-check')).default;
    const blocks = fc.bigInt({ min: 0n, max: 1n << 40n });
    fc.assert(
      fc.property(blocks, fc.bigInt({ min: 1n, max: 1n << 20n }), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.constantFrom(0, 1, 2, 3, 4), fc.constantFrom(0xffff, 0, 1, 2, 3, 4), fc.bigInt({ min: 0n, max: 1n << 50n }), (ob, lb, rel, rt, wt, addr) => {
        const offset = ob * 0x1000n;
        const length = lb * 0x1000n;
        const pos = offset + (rel % length);
        const half = (type: number) => (type === 2 || type === 3 ? { addr, dev: 1 } : { addr: NULL_ADDR, dev: 0 });
        const out = { read: { offset, length, type: rt, flags: 0x2, ...half(rt) }, write: { offset, length, type: wt, flags: 0, ...half(wt) } };
        expect(beginValidate(P3, out, { blockSize: 0x1000n, maxBytes: S64_MAX, cachesIomaps: false }, pos)).toEqual({ err: 0, rule: '' });
      }),
      { numRuns: 300 },
    );
  });
});
