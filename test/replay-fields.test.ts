// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuse replay's field comparison (src/trace/replay/model-fields.ts)
 * against what it replaces, decoding the model's printed text: for every
 * event the model fires on the fixture scenarios and a generated grow run
 * (rfc-v3 and v7 texts), and for random events with values over the full
 * 64-bit range, the values it derives are the decoded fields of the text,
 * it agrees with those fields, and it disagrees when any one differs;
 * the same for a batch row of the text against the event as an entry of
 * the model's column queue (agreesEntry, the column path).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import type { CacheEvent } from '../src/cache/events.js';
import { RFC_V3, type Revision } from '../src/cache/revision.js';
import { V7 } from '../src/cache/revision-v7.js';
import type { Mapping } from '../src/iext/record.js';
import { generateGrow } from '../src/scenario/generate.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { formatFuseEventAs } from '../src/trace/fuse-format.js';
import { ModelFields, NOT_COMPARED } from '../src/trace/replay/model-fields.js';
import { type FuseTraceFormat, traceFormatOf } from '../src/trace/revision.js';
import { decodeBody } from '../src/trace/schema/compile.js';
import { fuseSchemas } from '../src/trace/schema/registry.js';
import { toI64 } from '../src/util/int64.js';
import { EventBatch } from '../src/trace/parse/batch.js';
import { scanLineInto } from '../src/trace/parse/fast-line.js';
import { FIXTURES } from './paths.js';
import { entryOf } from './expected-entry.js';

/** The text as the one row of a column batch (null: the column scanner does not take it). */
function rowOf(name: string, text: string, format: FuseTraceFormat): EventBatch | null {
  const line = `fuse2fs-1 [000] 1.000000: ${name}: ${text}`;
  const batch = new EventBatch(format);
  return scanLineInto(line, Buffer.from(line, 'latin1'), 0, line.length, 1, format, batch) === 1 ? batch : null;
}

/**
 * What is wrong with one event (null: nothing): ModelFields' values must be
 * the decoded text's, it must agree with them, and disagree when one changes.
 */
function check(mf: ModelFields, e: CacheEvent, format: FuseTraceFormat, flip = 0): string | null {
  const text = formatFuseEventAs(e, format);
  if (text === null) return null; // not a tracepoint of this revision (v7: the lock events)
  const schema = fuseSchemas(format).get(e.name)!;
  const decoded = decodeBody(schema, text);
  if (typeof decoded === 'string') return `${e.name}: ${decoded}`;
  const values = mf.values(e);
  if (!values) return `${e.name}: not known`;
  if (!mf.agrees(e, decoded)) return `${e.name}: does not agree with its own text ${text}`;
  const compared = schema.fields.filter((s) => !NOT_COMPARED.has(s.field)).map((s) => s.field);
  if (Object.keys(values).join() !== compared.join()) return `${e.name}: fields ${Object.keys(values).join()}`;
  for (const f of compared) if (values[f] !== decoded[f]) return `${e.name} ${f}: ${values[f]} where the text reads ${decoded[f]} (${text})`;
  const f = compared[flip % compared.length];
  if (mf.agrees(e, { ...decoded, [f]: (decoded[f] as bigint) ^ 1n })) return `${e.name}: agrees with ${f} changed`;
  // the column path: the row of the text agrees, and not once the field is changed in its columns
  const row = rowOf(e.name, text, format);
  if (row === null) return `${e.name}: the column scanner does not take ${text}`;
  const q = entryOf(e);
  const checks = mf.checksOf(e.name);
  if (!mf.agreesEntry(q, q.head, row, 0, checks)) return `${e.name}: its row does not agree with its own text ${text}`;
  const k = schema.slots.get(f)!;
  const changed = toI64((decoded[f] as bigint) ^ 1n);
  if (typeof changed === 'number') row.num[k] = changed;
  else [row.num[k], row.big[k]] = [NaN, changed];
  if (mf.agreesEntry(q, q.head, row, 0, checks)) return `${e.name}: its row agrees with ${f} changed`;
  return null;
}

function fired(scenario: string, revision: Revision): CacheEvent[] {
  const sc = parseScenario(scenario, 'fields', { revision });
  const out: CacheEvent[] = [];
  runScenario(sc, { revision, sink: (e) => out.push(e) });
  return out;
}

describe('model-fields: the model event compared field by field', () => {
  for (const revision of [RFC_V3, V7]) {
    const format = traceFormatOf(revision);
    it(`${revision.name}: every event of the fixture scenarios and a grow run`, () => {
      const mf = new ModelFields(format, fuseSchemas(format));
      const scenarios = readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.scenario'))
        .map((f) => readFileSync(join(FIXTURES, f), 'utf8').replace(/^revision .*$/m, ''));
      let n = 0;
      const wrong: string[] = [];
      for (const s of [...scenarios, generateGrow({ commands: 400, seed: 3 })])
        for (const e of fired(s, revision).slice(0, 3000)) {
          const why = check(mf, e, format, n++);
          if (why) wrong.push(why);
        }
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(n).toBeGreaterThan(10000);
    });
  }

  const u32 = fc.nat(0xffff_ffff);
  /** random events whose 64-bit values come from u64 and s64 */
  const eventOf = (u64: fc.Arbitrary<bigint>, s64: fc.Arbitrary<bigint>): fc.Arbitrary<CacheEvent> => {
    const mapping: fc.Arbitrary<Mapping> = fc.record({
      offset: s64,
      length: u64,
      addr: u64,
      type: fc.oneof(fc.nat(6), fc.constantFrom(0xffff, 0xfffe), u32),
      flags: fc.oneof(fc.nat(0x1ff), u32),
      dev: u32,
    });
    const base = fc.record({ inode: fc.record({ connection: u32, ino: u64, nodeid: u64 }), isize: u64 });
    const fork = fc.constantFrom(Fork.READ, Fork.WRITE);
    return fc.oneof(
      fc
        .record({ base, name: fc.constantFrom('fuse_iext_insert', 'fuse_iext_remove', 'fuse_iext_pre_update', 'fuse_iext_post_update' as const), state: u32, leafAddr: fc.nat(), leafId: fc.nat(), pos: fc.integer({ min: -1, max: 300 }), rec: mapping })
        .map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constantFrom('fuse_iext_add_mapping', 'fuse_iext_del_mapping' as const), state: u32, map: mapping }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constantFrom('fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right', 'fuse_iext_del_mapping_got' as const), map: mapping }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constant('fuse_iomap_cache_remove' as const), fork, offset: s64, length: u64 }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constantFrom('fuse_iomap_cache_add', 'fuse_iext_check_mapping' as const), fork, map: mapping }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constant('fuse_iomap_cache_lookup' as const), fork, pos: s64, count: u64 }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constant('fuse_iomap_cache_lookup_result' as const), fork, pos: s64, count: u64, map: mapping, got: mapping, cookie: u64 }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constant('fuse_iomap_cache_invalidate_range' as const), offset: s64, length: u64 }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
      fc.record({ base, name: fc.constantFrom('fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock' as const), lockFlags: fc.nat(0xff) }).map(({ base: b, ...r }) => ({ ...b, ...r }) as CacheEvent),
    );
  };
  const event = eventOf(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }));
  // the edges of the number path: 2^53 +- 1 (the last safe integer and the first beyond), 2^63, all-ones, negative loff_t
  const EDGES = [0n, 1n, (1n << 53n) - 2n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 63n) + 1n, (1n << 64n) - 2n, (1n << 64n) - 1n];
  const edgeEvent = eventOf(fc.constantFrom(...EDGES), fc.constantFrom(...EDGES.map((v) => BigInt.asIntN(64, v))));

  for (const format of ['rfc-v3', 'v7'] as const)
    it(`${format}: random events over the full 64-bit range`, () => {
      const mf = new ModelFields(format, fuseSchemas(format));
      fc.assert(
        fc.property(event, fc.nat(), (e, flip) => {
          expect(check(mf, e, format, flip)).toBeNull();
        }),
        { numRuns: 2000 },
      );
    });

  // every field flipped in turn (its lowest bit: 2^53 - 1 <-> 2^53 - 2, 2^53 <-> 2^53 + 1, all-ones <-> all-ones - 1, ...)
  for (const format of ['rfc-v3', 'v7'] as const)
    it(`${format}: events of 64-bit edge values, each field changed by one`, () => {
      const mf = new ModelFields(format, fuseSchemas(format));
      fc.assert(
        fc.property(edgeEvent, (e) => {
          for (let flip = 0; flip < 40; flip++) expect(check(mf, e, format, flip)).toBeNull();
        }),
        { numRuns: 300 },
      );
    });
});
