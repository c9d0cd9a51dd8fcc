// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generated scenarios of the native differentials
 * (test/seed-native.test.ts: .out; test/seed-native-trace.test.ts: traces).
 */
import { prng } from '../src/scenario/generate.js';

/**
 * Mixed kinds: every command, mostly in a small hot zone of blocks (so
 * mappings overlap, split and merge), with the edges the seed handles
 * specially: unaligned lengths, zero-length removes and lookups,
 * FUSE_IOMAP_INVAL_TO_EOF, lengths past s_maxbytes (remove's
 * erase-everything shortcut), mappings ending past LLONG_MAX, removes and
 * lookups from offsets >= 2^63, types remove refuses (-EUCLEAN).
 *   mixed: blocksize 512 to 64 KiB, s_maxbytes LLONG_MAX or below;
 *   edges: blocksize 1 to 2^31, s_maxbytes from 0 to all-ones;
 *   high:  edges, and now and then a mapping at or above 2^63 (the kernel
 *          oopses or hangs on some of those: the model must stop at the same line).
 * A mapping of length 0 only in the zero kind (mixed, and now and then a
 * zero-length mapping): the C stores it as a record its leaf scans take
 * for the end of the leaf, so a height-1 root counts more records than a
 * leaf holds (IextTree.maxRecs), and it often reads past its allocation
 * or a freed leaf (see the seed lists in test/seed-native.test.ts).
 */
export type MixedKind = 'mixed' | 'edges' | 'high' | 'zero';

export function generateMixed(seed: number, commands: number, kind: MixedKind = 'mixed'): string {
  const edges = kind !== 'mixed';
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const one = <T>(xs: readonly T[]): T => xs[pick(xs.length)];
  const bs = BigInt(edges ? one([1, 2, 512, 4096, 1 << 20, 2 ** 31]) : one([512, 1024, 4096, 4096, 65536]));
  const maxBytes = edges
    ? one([0n, 1n, bs - 1n, bs * 3n + 5n, bs * 50n, 0x7fff_ffff_ffff_ffffn - bs, 0x7fff_ffff_ffff_fffen, 0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn])
    : one([0x7fff_ffff_ffff_ffffn, 0x7fff_ffff_ffff_ffffn, 0xfff_ffff_f000n, (1n << 40n) + 12345n, bs * 5000n]);
  const LLONG_MAX = 0x7fff_ffff_ffff_ffffn;
  const ALL = 0xffff_ffff_ffff_ffffn;
  const hex = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16);
  const zone = BigInt(one([16, 64, 400, 3000]));
  const offset = (mapping: boolean): bigint => {
    const r = rnd();
    let off: bigint;
    if (r < 0.8) off = BigInt(pick(Number(zone))) * bs + (rnd() < 0.05 ? BigInt(1 + pick(Number(bs) - 1)) : 0n);
    else if (r < 0.88) off = maxBytes - BigInt(pick(4)) * bs - (rnd() < 0.5 ? 0n : BigInt(pick(Number(bs))));
    else if (r < 0.95) off = LLONG_MAX - BigInt(pick(8)) * bs - (rnd() < 0.5 ? 0n : BigInt(pick(Number(bs))));
    else off = mapping ? BigInt(pick(1 << 30)) * bs : ALL - BigInt(pick(8)) * bs;
    off = BigInt.asUintN(64, off);
    // high: now and then a mapping at or above 2^63 (SPEC 8.2 lets them in); otherwise never (maxbytes can be that high)
    return mapping && !(kind === 'high' && r >= 0.8) ? off & LLONG_MAX : off;
  };
  const length = (range: boolean): bigint => {
    const r = rnd();
    if (r < 0.75) return BigInt(1 + pick(6)) * bs;
    if (r < 0.82) return BigInt(1 + pick(Number(bs) * 3));
    if (r < 0.86) return range ? 0n : BigInt(1 + pick(8)) * bs;
    if (r < 0.92) return range ? ALL : BigInt(1 + pick(30)) * bs;
    if (r < 0.96) return maxBytes + BigInt(pick(3)) * bs;
    return BigInt(pick(64)) * bs + (1n << BigInt(40 + pick(23)));
  };
  const out = ['# generated mixed scenario', 'geometry fuse', `blocksize ${bs}`, `maxbytes ${hex(maxBytes)}`];
  for (let i = 0; i < commands; i++) {
    const fork = rnd() < 0.65 ? 'read' : 'write';
    const r = rnd();
    if (r < 0.5) {
      const off = offset(true);
      // never 0 (see the top of this function), except in the zero kind: now and then a zero-length mapping
      const len = kind === 'zero' && rnd() < 0.08 ? 0n : BigInt.asUintN(64, length(false)) || bs;
      const type = rnd() < 0.02 ? one([5, 0xfffe, 77]) : one([0, 1, 2, 2, 2, 3, 3, 4, 0xffff]);
      const real = type === 2 || type === 3;
      const a = rnd();
      // linear addresses merge with equal-attribute neighbours
      const addr = !real || a < 0.15 ? (rnd() < 0.9 ? ALL : BigInt(pick(1 << 20)) * bs) : a < 0.8 ? 0x1000_0000n + off : BigInt(pick(1 << 24)) * bs;
      const flags = one([0, 0, 0, 2, 0x1000, pick(0x10000)]);
      const dev = real ? one([1, 1, 2]) : one([0, 0, 1]);
      out.push(`${rnd() < 0.3 ? 'add' : 'upsert'} ${fork} ${hex(off)} ${hex(len)} ${hex(addr)} ${type} ${flags} ${dev}`);
    } else if (r < 0.68) {
      out.push(`remove ${fork} ${hex(rnd() < 0.04 ? 0n : offset(false))} ${hex(length(true))}`);
    } else if (r < 0.78) {
      out.push(`invalidate ${hex(rnd() < 0.04 ? 0n : offset(false))} ${hex(length(true))}`);
    } else if (r < 0.97) {
      out.push(`lookup ${fork} ${hex(offset(false))} ${hex(length(true))}`);
    } else {
      out.push(`dump ${fork}`);
    }
  }
  out.push('dump read', 'dump write');
  return out.join('\n') + '\n';
}

/**
 * Tall: a tree of height 3 before anything unusual happens, then now and
 * then a mapping or a remove at or above 2^63 (a key above
 * FUSE_IEXT_KEY_INVALID, SPEC 8.2). Small mappings over a wide range of
 * blocksize-1 offsets (addresses never adjacent, so nothing merges) build
 * the tree; removes, lookups and the high commands follow from command 800
 * on. A high key that meets a node which is not full sends find_level into
 * the node's empty slots: the kernel oopses in fuse_iext_insert_raw (most
 * runs), fuse_iext_remove_node or fuse_iext_update_node, or reads a leaf
 * remove_node freed while its parent kept pointing at it. `commands`
 * defaults to 1,500 to 4,500 by seed.
 */
export function generateTall(seed: number, commands?: number): string {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const n = commands ?? 1500 + pick(3000);
  const pHigh = [0.002, 0.005, 0.01, 0.02][pick(4)];
  const high = ['0xffffffffffffffff', '0xfffffffffffffffe', '0x8000000000000000', '0xfffffffffffffff0', '0x7fffffffffffffff'];
  const out = ['# generated tall scenario', 'geometry fuse', 'blocksize 1', 'maxbytes 0xffffffffffffffff'];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.6) out.push(`upsert read ${pick(20000) * 4} ${1 + pick(3)} ${0x100000 + i * 8} 2 0 0`);
    else if (r < 0.6 + pHigh && i > 800) out.push(`add read ${high[pick(high.length)]} ${1 + pick(2)} ${0x900000 + i} 2 0 0`);
    else if (r < 0.9) out.push(`remove read ${pick(20000) * 4} ${1 + pick(400)}`);
    else if (r < 0.9 + 3 * pHigh) out.push(`remove read ${high[pick(high.length)]} ${1 + pick(4)}`);
    else out.push(`lookup read ${pick(80000)} 4`);
  }
  out.push('dump read');
  return out.join('\n') + '\n';
}
