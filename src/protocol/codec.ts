// SPDX-License-Identifier: GPL-2.0-only
/*
 * Byte-exact little-endian codecs of the iomap wire structs (x86-64
 * natural alignment, no padding in any of them):
 *
 *   struct fuse_iomap_upsert_out / _mappings_out   80 bytes (001 L9854-9871)
 *   struct fuse_iomap_inval_out / _mappings_out    48 bytes (001 L9843-9852)
 *   struct fuse_iomap_begin_in                     32 bytes (001 L1552-1558)
 *   struct fuse_iomap_begin_out  rfc-v3 48 bytes (001 L1560-1573), v7 64
 *   struct fuse_out_header                         16 bytes (notification frame)
 *
 * Decoding never throws: a wrong size gives the -EINVAL that
 * fuse_notify_iomap_upsert/_inval return for it. Encoding refuses values
 * that do not fit their C field with a RangeError naming the field.
 */
import { EINVAL } from './constants.js';
import type { ProtocolLayout } from './layout.js';
import type { BeginIn, BeginOut, InvalOut, IomapIo, UpsertOut } from './wire.js';

export const UPSERT_OUT_SIZE = 80;
export const INVAL_OUT_SIZE = 48;
export const BEGIN_IN_SIZE = 32;
export const FUSE_OUT_HEADER_SIZE = 16;
/** sizeof(struct fuse_iomap_io) */
export const IOMAP_IO_SIZE = 32;

export type Decoded<T> = { ok: true; value: T } | { ok: false; err: number; why: string };

const U64 = 0xffff_ffff_ffff_ffffn;

function checkU64(v: bigint, field: string): void {
  if (typeof v !== 'bigint' || v < 0n || v > U64) throw new RangeError(`${field} = ${String(v)} does not fit a u64`);
}
function checkUint(v: number, bits: 16 | 32, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${field} = ${String(v)} does not fit a u${bits}`);
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function wrongSize(name: string, want: number, got: number): Decoded<never> {
  return { ok: false, err: -EINVAL, why: `${name}: ${got} bytes, the kernel wants exactly ${want}` };
}

// ------------------------------------------------------ struct fuse_iomap_io

/** offset, length, addr (u64), type, flags (u16), dev (u32): the order of both revisions */
function writeIo(dv: DataView, at: number, m: IomapIo, field: string): void {
  checkU64(m.offset, `${field}.offset`);
  checkU64(m.length, `${field}.length`);
  checkU64(m.addr, `${field}.addr`);
  checkUint(m.type, 16, `${field}.type`);
  checkUint(m.flags, 16, `${field}.flags`);
  checkUint(m.dev, 32, `${field}.dev`);
  dv.setBigUint64(at, m.offset, true);
  dv.setBigUint64(at + 8, m.length, true);
  dv.setBigUint64(at + 16, m.addr, true);
  dv.setUint16(at + 24, m.type, true);
  dv.setUint16(at + 26, m.flags, true);
  dv.setUint32(at + 28, m.dev, true);
}

function readIo(dv: DataView, at: number): IomapIo {
  return {
    offset: dv.getBigUint64(at, true),
    length: dv.getBigUint64(at + 8, true),
    addr: dv.getBigUint64(at + 16, true),
    type: dv.getUint16(at + 24, true),
    flags: dv.getUint16(at + 26, true),
    dev: dv.getUint32(at + 28, true),
  };
}

// ------------------------------------------------------------------ upsert

export function encodeUpsert(out: UpsertOut): Uint8Array {
  const b = new Uint8Array(UPSERT_OUT_SIZE);
  const dv = view(b);
  checkU64(out.nodeid, 'nodeid');
  checkU64(out.attrIno, 'attr_ino');
  dv.setBigUint64(0, out.nodeid, true);
  dv.setBigUint64(8, out.attrIno, true);
  writeIo(dv, 16, out.read, 'read');
  writeIo(dv, 48, out.write, 'write');
  return b;
}

/** fuse_notify_iomap_upsert's size check and fuse_copy_one */
export function decodeUpsert(b: Uint8Array): Decoded<UpsertOut> {
  if (b.byteLength !== UPSERT_OUT_SIZE) return wrongSize('struct fuse_iomap_upsert_out', UPSERT_OUT_SIZE, b.byteLength);
  const dv = view(b);
  return { ok: true, value: { nodeid: dv.getBigUint64(0, true), attrIno: dv.getBigUint64(8, true), read: readIo(dv, 16), write: readIo(dv, 48) } };
}

// ------------------------------------------------------------------- inval

export function encodeInval(out: InvalOut): Uint8Array {
  const b = new Uint8Array(INVAL_OUT_SIZE);
  const dv = view(b);
  const fields: Array<[string, bigint]> = [
    ['nodeid', out.nodeid],
    ['attr_ino', out.attrIno],
    ['read.offset', out.read.offset],
    ['read.length', out.read.length],
    ['write.offset', out.write.offset],
    ['write.length', out.write.length],
  ];
  fields.forEach(([name, v], i) => {
    checkU64(v, name);
    dv.setBigUint64(i * 8, v, true);
  });
  return b;
}

/** fuse_notify_iomap_inval's size check and fuse_copy_one */
export function decodeInval(b: Uint8Array): Decoded<InvalOut> {
  if (b.byteLength !== INVAL_OUT_SIZE) return wrongSize('struct fuse_iomap_inval_out', INVAL_OUT_SIZE, b.byteLength);
  const dv = view(b);
  const q = (i: number) => dv.getBigUint64(i * 8, true);
  return { ok: true, value: { nodeid: q(0), attrIno: q(1), read: { offset: q(2), length: q(3) }, write: { offset: q(4), length: q(5) } } };
}

// --------------------------------------------------------- iomap_begin in

export function encodeBeginIn(inp: BeginIn): Uint8Array {
  const b = new Uint8Array(BEGIN_IN_SIZE);
  const dv = view(b);
  checkUint(inp.opflags, 32, 'opflags');
  checkUint(inp.reserved, 32, 'reserved');
  checkU64(inp.attrIno, 'attr_ino');
  checkU64(inp.pos, 'pos');
  checkU64(inp.count, 'count');
  dv.setUint32(0, inp.opflags, true);
  dv.setUint32(4, inp.reserved, true);
  dv.setBigUint64(8, inp.attrIno, true);
  dv.setBigUint64(16, inp.pos, true);
  dv.setBigUint64(24, inp.count, true);
  return b;
}

export function decodeBeginIn(b: Uint8Array): Decoded<BeginIn> {
  if (b.byteLength !== BEGIN_IN_SIZE) return wrongSize('struct fuse_iomap_begin_in', BEGIN_IN_SIZE, b.byteLength);
  const dv = view(b);
  return {
    ok: true,
    value: { opflags: dv.getUint32(0, true), reserved: dv.getUint32(4, true), attrIno: dv.getBigUint64(8, true), pos: dv.getBigUint64(16, true), count: dv.getBigUint64(24, true) },
  };
}

// -------------------------------------------------------- iomap_begin out

/**
 * rfc-v3: offset u64 @0, length u64 @8, then read addr/type/flags/dev @16
 * and write addr/type/flags/dev @32; the shared range is read.offset and
 * read.length (write's must be equal). v7: read and write fuse_iomap_io.
 */
export function encodeBeginOut(p: ProtocolLayout, out: BeginOut): Uint8Array {
  const b = new Uint8Array(p.beginOutSize);
  const dv = view(b);
  if (!p.beginOutSharedRange) {
    writeIo(dv, 0, out.read, 'read');
    writeIo(dv, 32, out.write, 'write');
    return b;
  }
  if (out.write.offset !== out.read.offset || out.write.length !== out.read.length)
    throw new RangeError(`rfc-v3 fuse_iomap_begin_out has one offset/length: write 0x${out.write.offset.toString(16)}+0x${out.write.length.toString(16)} differs from read`);
  checkU64(out.read.offset, 'offset');
  checkU64(out.read.length, 'length');
  dv.setBigUint64(0, out.read.offset, true);
  dv.setBigUint64(8, out.read.length, true);
  ([['read', out.read, 16], ['write', out.write, 32]] as const).forEach(([name, m, at]) => {
    checkU64(m.addr, `${name}_addr`);
    checkUint(m.type, 16, `${name}_type`);
    checkUint(m.flags, 16, `${name}_flags`);
    checkUint(m.dev, 32, `${name}_dev`);
    dv.setBigUint64(at, m.addr, true);
    dv.setUint16(at + 8, m.type, true);
    dv.setUint16(at + 10, m.flags, true);
    dv.setUint32(at + 12, m.dev, true);
  });
  return b;
}

/**
 * A begin reply is an out argument of fuse_simple_request: a reply of the
 * wrong size is refused by the request machinery (-EINVAL for a short
 * fixed-size out argument) before fuse_iomap_begin sees it.
 */
export function decodeBeginOut(p: ProtocolLayout, b: Uint8Array): Decoded<BeginOut> {
  if (b.byteLength !== p.beginOutSize) return wrongSize(`struct fuse_iomap_begin_out (${p.name})`, p.beginOutSize, b.byteLength);
  const dv = view(b);
  if (!p.beginOutSharedRange) return { ok: true, value: { read: readIo(dv, 0), write: readIo(dv, 32) } };
  const offset = dv.getBigUint64(0, true);
  const length = dv.getBigUint64(8, true);
  const half = (at: number): IomapIo => ({
    offset,
    length,
    addr: dv.getBigUint64(at, true),
    type: dv.getUint16(at + 8, true),
    flags: dv.getUint16(at + 10, true),
    dev: dv.getUint32(at + 12, true),
  });
  return { ok: true, value: { read: half(16), write: half(32) } };
}

// ------------------------------------------------------ notification frame

/** struct fuse_out_header of a notification: len, error = notify code, unique = 0 */
export interface NotifyFrame {
  code: number;
  payload: Uint8Array;
}

/** send_notify_iov: header + payload as one write() to /dev/fuse */
export function encodeNotifyFrame(code: number, payload: Uint8Array): Uint8Array {
  checkUint(code, 32, 'notify code');
  const b = new Uint8Array(FUSE_OUT_HEADER_SIZE + payload.byteLength);
  const dv = view(b);
  dv.setUint32(0, b.byteLength, true);
  dv.setInt32(4, code, true);
  dv.setBigUint64(8, 0n, true);
  b.set(payload, FUSE_OUT_HEADER_SIZE);
  return b;
}

/**
 * The part of fuse_dev_do_write that routes a notification: a short write
 * or a len that differs from the bytes written is -EINVAL; unique 0 with a
 * positive error field is a notification with that code.
 */
export function decodeNotifyFrame(b: Uint8Array): Decoded<NotifyFrame> {
  if (b.byteLength < FUSE_OUT_HEADER_SIZE) return wrongSize('struct fuse_out_header', FUSE_OUT_HEADER_SIZE, b.byteLength);
  const dv = view(b);
  const len = dv.getUint32(0, true);
  if (len !== b.byteLength) return { ok: false, err: -EINVAL, why: `fuse_out_header.len ${len} differs from the ${b.byteLength} bytes written` };
  const unique = dv.getBigUint64(8, true);
  const code = dv.getInt32(4, true);
  if (unique !== 0n || code <= 0) return { ok: false, err: -EINVAL, why: `not a notification (unique ${unique}, error ${code}): replies are not modelled` };
  return { ok: true, value: { code, payload: b.subarray(FUSE_OUT_HEADER_SIZE) } };
}

/** Lowercase hex of the bytes, for messages and reproducers. */
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The inverse of toHex; whitespace ignored. Returns undefined for odd lengths or non-hex text. */
export function fromHex(text: string): Uint8Array | undefined {
  const t = text.replace(/\s+/g, '');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return undefined;
  return new Uint8Array(Buffer.from(t, 'hex'));
}
