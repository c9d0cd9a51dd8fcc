// SPDX-License-Identifier: GPL-2.0-only
// Byte-exact codecs of the iomap wire structs: hand-built bytes at the
// seed's offsets, round trips, every 80/48-byte buffer decodes, wrong sizes
// are -EINVAL, values that fit no C field are refused when encoding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBeginIn,
  decodeBeginOut,
  decodeInval,
  decodeNotifyFrame,
  decodeUpsert,
  encodeBeginIn,
  encodeBeginOut,
  encodeInval,
  encodeNotifyFrame,
  encodeUpsert,
  fromHex,
  RFC_V3_PROTOCOL as P3,
  toHex,
  V7_PROTOCOL as P7,
  type UpsertOut,
} from '../src/protocol/index.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const io = fc.record({
  offset: u64,
  length: u64,
  addr: u64,
  type: fc.integer({ min: 0, max: 0xffff }),
  flags: fc.integer({ min: 0, max: 0xffff }),
  dev: fc.integer({ min: 0, max: 0xffff_ffff }),
});
const upsert = fc.record({ nodeid: u64, attrIno: u64, read: io, write: io });
const range = fc.record({ offset: u64, length: u64 });
const inval = fc.record({ nodeid: u64, attrIno: u64, read: range, write: range });

/** little-endian bytes of a value written by hand, to check offsets independently of DataView */
const le = (v: bigint, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Number((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0');
  return s;
};

describe('struct fuse_iomap_upsert_out (80 bytes)', () => {
  it('puts every field at the offset of 001 L9854-9871', () => {
    const out: UpsertOut = {
      nodeid: 0x0102030405060708n,
      attrIno: 0x1112131415161718n,
      read: { offset: 0x21n, length: 0x22n, addr: 0x23n, type: 0x2425, flags: 0x2627, dev: 0x28292a2b },
      write: { offset: 0x31n, length: 0x32n, addr: 0x33n, type: 0x3435, flags: 0x3637, dev: 0x38393a3b },
    };
    const hex =
      le(out.nodeid, 8) + le(out.attrIno, 8) +
      le(0x21n, 8) + le(0x22n, 8) + le(0x23n, 8) + le(0x2425n, 2) + le(0x2627n, 2) + le(0x28292a2bn, 4) +
      le(0x31n, 8) + le(0x32n, 8) + le(0x33n, 8) + le(0x3435n, 2) + le(0x3637n, 2) + le(0x38393a3bn, 4);
    expect(toHex(encodeUpsert(out))).toBe(hex);
    expect(decodeUpsert(fromHex(hex)!)).toEqual({ ok: true, value: out });
  });

  it('round-trips any struct, and every 80-byte buffer decodes and re-encodes to itself', () => {
    fc.assert(fc.property(upsert, (out) => {
        expect(decodeUpsert(encodeUpsert(out))).toEqual({ ok: true, value: out });
      }), { numRuns: 300 });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), (b) => {
        const d = decodeUpsert(b);
        expect(d.ok).toBe(true);
        if (d.ok) expect(encodeUpsert(d.value)).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it('any other size is -EINVAL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }).filter((b) => b.length !== 80), (b) => {
        const d = decodeUpsert(b);
        expect(d).toMatchObject({ ok: false, err: -22 });
      }),
    );
    expect(decodeUpsert(new Uint8Array(79))).toMatchObject({ ok: false, err: -22, why: expect.stringContaining('79 bytes') });
  });

  it('refuses to encode values no C field can hold, naming the field', () => {
    const out: UpsertOut = { nodeid: 1n, attrIno: 1n, read: { offset: 0n, length: 1n << 64n, addr: 0n, type: 0, flags: 0, dev: 0 }, write: { offset: 0n, length: 0n, addr: 0n, type: 0, flags: 0, dev: 0 } };
    expect(() => encodeUpsert(out)).toThrow(/read\.length = 18446744073709551616 does not fit a u64/);
    expect(() => encodeUpsert({ ...out, read: { ...out.read, length: 0n, type: 0x10000 } })).toThrow(/read\.type/);
    expect(() => encodeUpsert({ ...out, read: { ...out.read, length: 0n }, nodeid: -1n })).toThrow(/nodeid/);
  });
});

describe('struct fuse_iomap_inval_out (48 bytes)', () => {
  it('nodeid, attr_ino, read offset/length, write offset/length at 0, 8, 16, 24, 32, 40', () => {
    const out = { nodeid: 5n, attrIno: 6n, read: { offset: 0x1000n, length: 0xffff_ffff_ffff_ffffn }, write: { offset: 0x2000n, length: 0x3000n } };
    const hex = le(5n, 8) + le(6n, 8) + le(0x1000n, 8) + le(0xffff_ffff_ffff_ffffn, 8) + le(0x2000n, 8) + le(0x3000n, 8);
    expect(toHex(encodeInval(out))).toBe(hex);
    expect(decodeInval(fromHex(hex)!)).toEqual({ ok: true, value: out });
  });

  it('round-trips, every 48-byte buffer decodes, other sizes are -EINVAL', () => {
    fc.assert(fc.property(inval, (out) => {
        expect(decodeInval(encodeInval(out))).toEqual({ ok: true, value: out });
      }), { numRuns: 300 });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (b) => {
        const d = decodeInval(b);
        expect(d.ok && toHex(encodeInval(d.value))).toBe(toHex(b));
      }),
      { numRuns: 300 },
    );
    for (const n of [0, 47, 49, 80]) expect(decodeInval(new Uint8Array(n))).toMatchObject({ ok: false, err: -22 });
  });
});

describe('iomap_begin structs', () => {
  it('begin_in is 32 bytes: opflags, reserved, attr_ino, pos, count', () => {
    const inp = { opflags: 0x11, reserved: 0, attrIno: 7n, pos: 0x2000n, count: 0x1000n };
    expect(toHex(encodeBeginIn(inp))).toBe(le(0x11n, 4) + le(0n, 4) + le(7n, 8) + le(0x2000n, 8) + le(0x1000n, 8));
    expect(decodeBeginIn(encodeBeginIn(inp))).toEqual({ ok: true, value: inp });
  });

  it('rfc-v3 begin_out is 48 bytes with one offset/length shared by both halves', () => {
    const hex = le(0x1000n, 8) + le(0x2000n, 8) + le(0x9000n, 8) + le(2n, 2) + le(1n, 2) + le(1n, 4) + le((1n << 64n) - 1n, 8) + le(0xffffn, 2) + le(0n, 2) + le(0n, 4);
    const d = decodeBeginOut(P3, fromHex(hex)!);
    expect(d).toEqual({
      ok: true,
      value: {
        read: { offset: 0x1000n, length: 0x2000n, addr: 0x9000n, type: 2, flags: 1, dev: 1 },
        write: { offset: 0x1000n, length: 0x2000n, addr: (1n << 64n) - 1n, type: 0xffff, flags: 0, dev: 0 },
      },
    });
    expect(d.ok && toHex(encodeBeginOut(P3, d.value))).toBe(hex);
    expect(decodeBeginOut(P3, new Uint8Array(64))).toMatchObject({ ok: false, err: -22 });
    if (d.ok) expect(() => encodeBeginOut(P3, { ...d.value, write: { ...d.value.write, length: 0x1000n } })).toThrow(/one offset\/length/);
  });

  it('v7 begin_out is 64 bytes: two struct fuse_iomap_io', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (b) => {
        const d = decodeBeginOut(P7, b);
        expect(d.ok && toHex(encodeBeginOut(P7, d.value))).toBe(toHex(b));
      }),
      { numRuns: 200 },
    );
    expect(decodeBeginOut(P7, new Uint8Array(48))).toMatchObject({ ok: false, err: -22 });
  });
});

describe('notification frame (struct fuse_out_header)', () => {
  it('len, error = code, unique = 0, then the payload', () => {
    const f = encodeNotifyFrame(9, new Uint8Array(80));
    expect(toHex(f.subarray(0, 16))).toBe(le(96n, 4) + le(9n, 4) + le(0n, 8));
    const d = decodeNotifyFrame(f);
    expect(d.ok && d.value.code).toBe(9);
    expect(d.ok && d.value.payload.length).toBe(80);
  });

  it('refuses short frames, a len that disagrees with the write, and replies', () => {
    expect(decodeNotifyFrame(new Uint8Array(15))).toMatchObject({ ok: false, err: -22 });
    const f = encodeNotifyFrame(10, new Uint8Array(48));
    f[0] = 63;
    expect(decodeNotifyFrame(f)).toMatchObject({ ok: false, why: expect.stringContaining('len 63') });
    const reply = encodeNotifyFrame(10, new Uint8Array(48));
    reply[8] = 1;
    expect(decodeNotifyFrame(reply)).toMatchObject({ ok: false, why: expect.stringContaining('not a notification') });
  });

  it('hex helpers reject odd lengths and non-hex text', () => {
    expect(fromHex('0a 0b')).toEqual(new Uint8Array([10, 11]));
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
  });
});
