// SPDX-License-Identifier: GPL-2.0-only
/*
 * The built-in default scenario of `iomap-sim demo`: a fuse2fs-like server
 * filling the read fork of a fragmented file, rereads served from the cache,
 * a copy-on-write style write fork, kernel invalidations after writes, and
 * finally an O_TRUNC open (the erase-everything shortcut of SPEC 8.1).
 */
import { prng } from './generate.js';

export function builtinScenario(): string {
  const rnd = prng(2025);
  const bs = 4096;
  const lines = ['# iomap-sim built-in scenario', 'geometry fuse', `blocksize ${bs}`, 'maxbytes 0x7fffffffffffffff'];
  const hex = (n: number) => '0x' + n.toString(16);
  // 1. the server upserts 400 fragmented extents as reads miss
  for (let i = 0; i < 400; i++) {
    const off = i * 4 * bs;
    lines.push(`lookup read ${hex(off)} ${hex(bs)}`);
    lines.push(`upsert read ${hex(off)} ${hex(3 * bs)} ${hex(0x1000000 + i * 5 * bs)} mapped 0 1`);
  }
  // 2. the holes between them become one delalloc range each, which merge
  for (let i = 0; i < 100; i++) lines.push(`upsert read ${hex(i * 4 * bs + 3 * bs)} ${hex(bs)} 0xffffffffffffffff delalloc 0 0`);
  // 3. rereads hit
  for (let i = 0; i < 800; i++) lines.push(`lookup read ${hex(Math.floor(rnd() * 1600) * bs + 17)} ${hex(1 + Math.floor(rnd() * 2 * bs))}`);
  // 4. out-of-place writes stage in the write fork; ioends invalidate
  for (let i = 0; i < 60; i++) {
    const off = Math.floor(rnd() * 1600) * bs;
    lines.push(`upsert write ${hex(off)} ${hex(2 * bs)} ${hex(0x8000000 + off)} unwritten new 1`);
    lines.push(`lookup write ${hex(off)} ${hex(bs)}`);
    lines.push(`invalidate ${hex(off)} ${hex(2 * bs)}`);
  }
  lines.push('dump write');
  // 5. a range punch, then truncate by open(O_TRUNC): invalidate from 0 to EOF
  lines.push(`invalidate ${hex(800 * bs)} ${hex(200 * bs)}`);
  lines.push('lookup read 0x0 0x1000');
  lines.push('invalidate 0x0 0xffffffffffffffff');
  lines.push('dump read');
  return lines.join('\n') + '\n';
}
