// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cache's record-index paths (src/cache/iomap-cache.ts, CacheOptions.
 * indexPaths): cacheRemoveI of a range over a hole returns after finding
 * nothing to delete (holeAt), and cacheAddI into the hole it expects looks
 * up on record indexes (addIntoHole), then merges and inserts on doubles
 * (mergeAt) when nobody listens, or runs add_mapping's general code when
 * someone does. A cache with indexPaths off runs the general code only.
 * Both must give the same return values, sequence values, trees (every
 * node key and pointer, every leaf's identity, address and records) and
 * events, command after command, upserts being a remove and an add; the
 * index paths must also really run. A dump's walk by index must hand out
 * what the cursor walk does.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import { IomapCache } from '../src/cache/iomap-cache.js';
import { V7 } from '../src/cache/revision-v7.js';
import type { Revision } from '../src/cache/revision.js';
import { NULL } from '../src/iext/arena.js';
import { type Mapping, emptyMappingI } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';
import { generateGrow } from '../src/scenario/generate.js';
import { OutBytes, writeOutI } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { toBig, toI64 } from '../src/util/int64.js';
import { generateMixed } from './generate-mixed.js';

const RUNS = Math.max(1, Math.ceil((Number(process.env.IOMAP_SIM_PROP_RUNS ?? 10000) || 10000) / 20));

/** the whole tree: nodes with their keys and children, leaves with identity, address and records */
function shape(t: IextTree | null): string {
  if (!t) return 'nofork';
  const a = t.arena;
  const out: string[] = [`h${t.height} n${t.count()}`];
  const walk = (block: number, level: number, ind: string): void => {
    if (level === 1) {
      const recs: string[] = [];
      for (let i = 0; i < t.R; i++) {
        const j = block * t.R + i;
        recs.push(`${toBig(a.offI(j)).toString(16)}+${toBig(a.lenI(j)).toString(16)}@${toBig(a.addrI(j)).toString(16)}/${a.typeFlags(j)}/${a.dev(j)}`);
      }
      out.push(`${ind}leaf ${t.leafId(block)} addr ${t.leafAddr(block)} prev ${a.prev[block] === NULL ? '-' : t.leafId(a.prev[block])} next ${a.next[block] === NULL ? '-' : t.leafId(a.next[block])}: ${recs.join(' ')}`);
      return;
    }
    const keys: string[] = [];
    for (let i = 0; i < t.K; i++) keys.push(toBig(a.keyI(block * t.K + i)).toString(16));
    out.push(`${ind}node ${a.nodeId[block]}: ${keys.join(' ')}`);
    for (let i = 0; i < t.K; i++) {
      const child = a.ptrs[block * t.K + i];
      if (child !== NULL) walk(child, level - 1, ind + ' ');
    }
  };
  if (t.height > 0) walk(t.root, t.height, '');
  return out.join('\n');
}

type Cmd = { op: 'upsert' | 'add'; fork: Fork; off: bigint; len: bigint; addr: bigint; type: number; flags: number; dev: number } | { op: 'remove'; fork: Fork; off: bigint; len: bigint };

const BS = 4096n;
const inode = () => ({ ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: BS, maxBytes: 0x7fff_ffff_ffff_ffffn });

/** mostly blocks 0..600 (holes, overlaps, neighbours that merge), some offsets near 2^53, 2^63 and negative */
const offArb = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 600 }).map((b) => BigInt(b) * BS) },
  { weight: 1, arbitrary: fc.bigInt({ min: (1n << 53n) - 3n * BS, max: (1n << 53n) + BS }) },
  { weight: 1, arbitrary: fc.bigInt({ min: (1n << 63n) - 8n * BS, max: (1n << 63n) - 1n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -8n * BS, max: -1n }) },
);
const lenArb = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 4 }).map((b) => BigInt(b) * BS) }, { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 1n << 54n }) });
const addrArb = fc.oneof(fc.constant(0xffff_ffff_ffff_ffffn), fc.integer({ min: 0, max: 2000 }).map((b) => BigInt(b) * BS), fc.bigInt({ min: (1n << 53n) - BS, max: (1n << 53n) + BS }));
const forkArb = fc.constantFrom(Fork.READ, Fork.READ, Fork.READ, Fork.WRITE);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({ op: fc.constant('upsert' as const), fork: forkArb, off: offArb, len: lenArb, addr: addrArb, type: fc.constantFrom(0, 1, 2, 2, 3, 0xffff), flags: fc.constantFrom(0, 0, 1), dev: fc.constantFrom(0, 0, 1) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), fork: forkArb, off: offArb, len: lenArb, addr: addrArb, type: fc.constantFrom(1, 2), flags: fc.constant(0), dev: fc.constant(0) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), fork: forkArb, off: offArb, len: lenArb }) },
);

/** one command on c; the result as text (a thrown kernel error included) */
function apply(c: IomapCache, cmd: Cmd): string {
  try {
    if (cmd.op === 'remove') return `ret ${c.cacheRemoveI(cmd.fork, toI64(cmd.off), toI64(cmd.len))}`;
    const m = emptyMappingI();
    m.offset = toI64(BigInt.asIntN(64, cmd.off));
    m.length = toI64(cmd.len);
    m.addr = toI64(cmd.addr);
    m.type = cmd.type;
    m.flags = cmd.flags;
    m.dev = cmd.dev;
    return `ret ${cmd.op === 'add' ? c.cacheAddI(cmd.fork, m) : c.cacheUpsertI(cmd.fork, m)}`;
  } catch (e) {
    return `threw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** a cache with the index paths on or off, with a listener that writes each event down (or none) */
function cache(revision: Revision | undefined, indexPaths: boolean, events?: string[]): IomapCache {
  const c = new IomapCache(inode(), { revision, indexPaths, sink: events ? (ev) => events.push(eventText(ev)) : undefined });
  c.enabled = true;
  return c;
}

const eventText = (ev: object): string => JSON.stringify(ev, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));

describe('remove over and add into a hole, index paths against the general code', () => {
  for (const [name, revision] of [['rfc-v3', undefined], ['v7', V7]] as const) {
    it(`gives the same results, sequence values, trees and events after every command (${name}, fast-check)`, () => {
      fc.assert(
        fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 300 }), (cmds) => {
          const fast = cache(revision, true);
          const general = cache(revision, false);
          const heardFast: string[] = [];
          const heardGeneral: string[] = [];
          const fastL = cache(revision, true, heardFast);
          const generalL = cache(revision, false, heardGeneral);
          for (const cmd of cmds) {
            const want = apply(general, cmd);
            expect(apply(fast, cmd)).toBe(want);
            expect(apply(generalL, cmd)).toBe(want);
            expect(apply(fastL, cmd)).toBe(want);
            expect(fast.seqI).toBe(general.seqI);
            expect(fastL.seqI).toBe(general.seqI);
            const tree = shape(general.read) + shape(general.write);
            expect(shape(fast.read) + shape(fast.write)).toBe(tree);
            expect(shape(fastL.read) + shape(fastL.write)).toBe(tree);
            expect(heardFast).toEqual(heardGeneral);
          }
        }),
        { numRuns: RUNS, seed: 0x5eed },
      );
    });
  }

  /** a scenario's .out, final trees, events (with a listener) and how many general lookups it made */
  function run(text: string, indexPaths: boolean, listen: boolean, revision?: Revision) {
    const spy = vi.spyOn(IextTree.prototype, 'lookupExtentI');
    let out = '';
    const o = new OutBytes((b, n) => (out += Buffer.from(b.subarray(0, n)).toString('latin1')));
    let error = '';
    let trees = '';
    const events: string[] = [];
    try {
      const { cache } = runScenario(parseScenario(text, 'gen'), { revision, indexPaths, onResultI: (r) => writeOutI(r, o), sink: listen ? (ev) => events.push(eventText(ev)) : undefined });
      trees = shape(cache.read) + '\n' + shape(cache.write);
    } catch (e) {
      error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    o.flush();
    const lookups = spy.mock.calls.length;
    spy.mockRestore();
    return { out, error, trees, events, lookups };
  }

  it('runs a 20,000-command grow scenario alike, and takes the index paths for most of its commands', () => {
    const text = generateGrow({ commands: 20_000, seed: 7 });
    const commands = text.match(/^(upsert|remove|lookup|invalidate) /gm)!.length;
    const fast = run(text, true, false);
    const general = run(text, false, false);
    expect(fast.error).toBe('');
    expect(fast.out).toBe(general.out);
    expect(fast.trees).toBe(general.trees);
    // the general code looks up through lookupExtentI for every upsert's remove and add and every
    // remove; the index paths find and fill holes on record indexes: most of a grow run's commands
    expect(general.lookups).toBeGreaterThan(commands);
    expect(fast.lookups).toBeLessThan(commands / 4);
    // with a listener, the removes over holes still return at once and the adds still look up by index
    const heardFast = run(text, true, true);
    const heardGeneral = run(text, false, true);
    expect(heardFast.out).toBe(general.out);
    expect(heardFast.events).toEqual(heardGeneral.events);
    expect(heardFast.events.length).toBeGreaterThan(commands);
    expect(heardFast.lookups).toBeLessThan(commands / 2);
  });

  for (const kind of ['mixed', 'edges', 'high', 'zero'] as const) {
    for (const [name, revision] of [['rfc-v3', undefined], ['v7', V7]] as const) {
      it(`runs generated ${kind} scenarios alike (${name}: .out, trees, events, where a run stops)`, () => {
        for (let seed = 900; seed < 930; seed++) {
          const text = generateMixed(seed, 800, kind);
          const general = run(text, false, false, revision);
          const fast = run(text, true, false, revision);
          expect(fast.out, `${kind} seed ${seed}`).toBe(general.out);
          expect(fast.error, `${kind} seed ${seed}`).toBe(general.error);
          expect(fast.trees, `${kind} seed ${seed}`).toBe(general.trees);
          const heardGeneral = run(text, false, true, revision);
          const heardFast = run(text, true, true, revision);
          expect(heardFast.out, `${kind} seed ${seed}`).toBe(general.out);
          expect(heardFast.error, `${kind} seed ${seed}`).toBe(general.error);
          expect(heardFast.events, `${kind} seed ${seed}`).toEqual(heardGeneral.events);
        }
      });
    }
  }
});

describe("a dump's index walk (IextTree.forEachRecordI, eight leaves read ahead)", () => {
  it('hands out what the cursor walk (fuse_iext_first/next/get_extent, IextTree.records) does, zero-length records included', () => {
    let walked = 0;
    for (const kind of ['mixed', 'zero', 'high', 'edges'] as const) {
      for (let seed = 900; seed < 940; seed++) {
        let c: IomapCache;
        try {
          c = runScenario(parseScenario(generateMixed(seed, 800, kind), 'gen')).cache;
        } catch {
          continue; // a run the C would not finish has no tree to walk
        }
        for (const t of [c.read, c.write]) {
          if (!t || !t.fastReady()) continue;
          const byIndex: Mapping[] = [];
          t.forEachRecord((m) => byIndex.push({ ...m }));
          expect(byIndex, `${kind} seed ${seed}`).toEqual([...t.records()]);
          walked++;
        }
      }
    }
    expect(walked).toBeGreaterThan(40);
  });
});
