// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario generators. `grow` mirrors the fixtures' grow profile at any
 * size: mostly upserts of block-aligned, mostly non-mergeable mappings over
 * a wide range (so the tree grows tall), some removes, invalidations and
 * lookups. Deterministic for a given seed.
 */

/** mulberry32: a small seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GrowOptions {
  commands: number;
  seed?: number;
  blockSize?: number;
}

export function generateGrow(opts: GrowOptions): string {
  const rnd = prng(opts.seed ?? 1);
  const bs = opts.blockSize ?? 4096;
  const pick = (n: number) => Math.floor(rnd() * n);
  // Spread offsets over 16x as many blocks as commands: few collisions, tall trees.
  const span = Math.max(64, opts.commands * 16);
  const out: string[] = ['geometry fuse', `blocksize ${bs}`, 'maxbytes 0x7fffffffffffffff'];
  let nextAddr = 0x100000;
  for (let i = 0; i < opts.commands; i++) {
    const r = rnd();
    const fork = rnd() < 0.9 ? 'read' : 'write';
    const off = BigInt(pick(span)) * BigInt(bs);
    const blocks = 1 + pick(4);
    const len = BigInt(blocks * bs);
    if (r < 0.8) {
      const t = rnd();
      let addr: string;
      let type: number;
      let dev: number;
      if (t < 0.7) {
        type = 2 + pick(2); // mapped or unwritten
        dev = 1 + pick(2);
        // usually a fresh disk address (no merge), sometimes contiguous
        addr = '0x' + (rnd() < 0.1 ? Number(off) : (nextAddr += blocks * bs * 2)).toString(16);
      } else {
        type = fork === 'write' && t > 0.95 ? 0xffff : pick(2); // hole, delalloc, overwrite
        dev = 0;
        addr = '0xffffffffffffffff';
      }
      out.push(`upsert ${fork} 0x${off.toString(16)} 0x${len.toString(16)} ${addr} ${type} ${pick(8) === 0 ? 2 : 0} ${dev}`);
    } else if (r < 0.88) {
      out.push(`remove ${fork} 0x${off.toString(16)} 0x${(len * BigInt(1 + pick(8))).toString(16)}`);
    } else if (r < 0.9) {
      out.push(`invalidate 0x${(off + BigInt(pick(bs))).toString(16)} 0x${(len + BigInt(pick(bs))).toString(16)}`);
    } else {
      out.push(`lookup ${fork} 0x${(off + BigInt(pick(bs))).toString(16)} 0x${(1 + pick(4 * bs)).toString(16)}`);
    }
  }
  out.push('dump read', 'dump write');
  return out.join('\n') + '\n';
}
