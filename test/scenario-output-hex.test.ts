// SPDX-License-Identifier: GPL-2.0-only
/*
 * The .out text's %llx against BigInt's own hex, at every digit count the
 * formatter splits on: putHexParts writes a number as 32-bit halves (one
 * to eight digits low, then the high half), and a dump's lines come from
 * the arena (extentLineAt) where a lookup hit's come from a MappingI
 * (putMap). Values around each power of 16 up to 2^53, and past it (the
 * exact path), in offsets, lengths, addrs, flags and devs.
 */
import { describe, expect, it } from 'vitest';
import { OutBytes, writeOutI } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import type { Mapping } from '../src/iext/record.js';
import type { CachedMapping } from '../src/cache/iomap-cache.js';

/** values at and around each power of 16 from 16^1 to 16^13, 2^32 and 2^53 around */
function edges(): bigint[] {
  const out = new Set<bigint>([0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n]);
  for (let k = 1n; k <= 13n; k++) for (const d of [-1n, 0n, 1n]) out.add(16n ** k + d);
  return [...out].filter((v) => v >= 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** the .out of a scenario, through writeOutI as `iomap-sim run` prints it, and the lookups' hits (bigint results) */
function runOut(text: string): { out: string[]; hits: Mapping[] } {
  let s = '';
  const hits: Mapping[] = [];
  const o = new OutBytes((b, n) => (s += Buffer.from(b.subarray(0, n)).toString('utf8')), 256);
  runScenario(parseScenario(text, 'hex.scenario'), {
    onResult: (r) => {
      if (r.op === 'lookup' && r.result === 'hit') hits.push({ ...r.map });
    },
    onResultI: (r) => writeOutI(r, o),
  });
  o.flush();
  return { out: s.split('\n').slice(0, -1), hits };
}

const hex = (v: bigint) => v.toString(16);

describe('the .out hex numbers at every digit count', () => {
  const vals = edges();
  // one record a value, one byte long at offset v (distinct devs: no two merge), addr and flags from the list too
  const recs = vals.map((off, i) => {
    const addr = vals[(i * 7 + 3) % vals.length];
    const flags = off & 0xffffn;
    // devs at the small-integer and u32 edges; every seventh its own index, so that no two neighbours merge
    const dev = i % 7 === 0 ? i : [0, 1, 0xffff, 0x4000_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff][i % 7];
    return { off, len: 1n, addr, type: 2, flags, dev };
  });
  const text = ['geometry fuse', 'blocksize 4096', ...recs.map((r) => `add read 0x${hex(r.off)} 0x${hex(r.len)} 0x${hex(r.addr)} ${r.type} 0x${hex(r.flags)} ${r.dev}`), 'dump read', ...recs.map((r) => `lookup read 0x${hex(r.off)} 1`)].join('\n') + '\n';

  it('in the lines of a dump (from the arena) and of lookup hits (from a mapping)', () => {
    const { out, hits: maps } = runOut(text);
    const dumpAt = out.findIndex((l) => l.startsWith('fork read count '));
    expect(dumpAt, out.slice(0, 5).join('\n')).toBe(recs.length);
    expect(out[dumpAt]).toMatch(new RegExp(`^fork read count ${recs.length} height [2-9] `)); // nodes: the arena path applies
    const line = (r: { off: bigint; len: bigint; addr: bigint; type: number; flags: bigint; dev: number }) =>
      `${hex(r.off)}+${hex(r.len)} addr ${hex(r.addr)} type ${r.type} flags ${hex(r.flags)} dev ${r.dev}`;
    expect(out.slice(dumpAt + 1, dumpAt + 1 + recs.length)).toEqual(recs.map((r) => `  ${line(r)}`));
    // a hit is the record trimmed to the block (rfc-v3): the mapping the lookup returned, printed by BigInt
    const hits = out.slice(dumpAt + 1 + recs.length);
    expect(maps).toHaveLength(recs.length);
    expect(hits).toEqual(
      maps.map((m) => `hit ${line({ off: m.offset, len: m.length, addr: m.addr, type: m.type, flags: BigInt(m.flags), dev: m.dev })} cookie ${(m as CachedMapping).validityCookie}`),
    );
  });
});
