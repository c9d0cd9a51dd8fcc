// SPDX-License-Identifier: GPL-2.0-only
/*
 * The traces of the seed's own C against the model's, event for event.
 * bench/seed-native.ts's trace build (-DSEED_TRACE) prints every tracepoint
 * the seed's cache code fires through the seed's own TRACE_EVENT
 * definitions (its fs/fuse/fuse_trace.h hunks, extracted at build time);
 * the model's are its `--trace` texts (formatFuseEventAs, what `iomap-sim
 * run --trace` writes), lock events off as in the fixtures.
 *   - the harness: on every fixture scenario the C's events are the
 *     fixture's .trace (as test/fixtures.test.ts compares them);
 *   - the model: the fixtures and generated scenarios of every kind
 *     test/seed-native.test.ts runs give the same events, bodies equal but
 *     for the caller symbol and the leaf pointer, and the model's leaves
 *     map one to one onto the C's pointers over their lifetimes
 *     (test/trace-compare.ts). Where the C stops (a hang, a crash, a memory
 *     error the sanitized trace build reports, or a read of bytes it never
 *     wrote, where the model stops) the model must stop at the same line,
 *     and the events of the lines before it are compared.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelOops } from '../src/iext/record.js';
import { generateGrow } from '../src/scenario/generate.js';
import { OutBytes, writeOutI } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { formatFuseEventAs } from '../src/trace/fuse-format.js';
import { buildSeedNative, extractSeedSources, extractSeedTraceEvents, runSeedNative, SANITIZER_EXIT, seedFile, type SeedNativeBuild } from '../bench/seed-native.js';
import { expectUninitializedReadAt } from './memcheck.js';
import { generateMixed, generateTall, type MixedKind } from './generate-mixed.js';
import { FIXTURES } from './paths.js';
import { expectLeafIdentity, expectSameEvents, type ModelItem, parseNativeTraceLine, parseTraceLine, seedLabels, type TraceLine } from './trace-compare.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-seed-native-trace-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The trace builds, made on first use; without a C compiler every test fails with buildSeedNative's message. */
const builds = new Map<boolean, SeedNativeBuild | Error>();
function build(sanitize: boolean): SeedNativeBuild {
  if (!builds.has(sanitize)) {
    try {
      builds.set(sanitize, buildSeedNative({ sanitize, trace: true }));
    } catch (e) {
      builds.set(sanitize, e as Error);
    }
  }
  const b = builds.get(sanitize)!;
  if (b instanceof Error) throw b;
  return b;
}

const LOCK_EVENTS = new Set(['fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock']);

interface CRun {
  status: number | null;
  stderr: string;
  stdout: string;
  /** every event, lock events included */
  events: TraceLine[];
}

let traces = 0;

/** A run of a trace build on file, its events read back (the trace written in the test's own directory). */
function cTrace(sanitize: boolean, file: string): CRun {
  const traceFile = join(work, `${++traces}.${sanitize ? 'asan' : 'c'}.trace`);
  const r = runSeedNative(build(sanitize).exe, file, { timeoutSeconds: 30, maxMiB: 256, traceFile });
  if (r.timedOut || r.signal) throw new Error(`trace build on ${file}: ${r.timedOut ? 'killed after the timeout' : `killed by ${r.signal}`}: ${r.stderr}`);
  const events = readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => parseNativeTraceLine(l, `${traceFile}:${i + 1}`));
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, events };
}

const withoutLocks = (events: TraceLine[]) => events.filter((e) => !LOCK_EVENTS.has(e.event));

interface ModelRun {
  items: ModelItem[];
  events: TraceLine[];
  stoppedAt: number;
  error?: string;
}

/** The model as `iomap-sim run FILE --trace T [--lock-events]` runs it (.out printed and dropped), with its leaf allocations. */
function modelTrace(text: string, name: string, lockEvents: boolean): ModelRun {
  const items: ModelItem[] = [];
  const events: TraceLine[] = [];
  let stoppedAt = 0;
  let error: string | undefined;
  const out = new OutBytes(() => {});
  try {
    runScenario(parseScenario(text, name), {
      lockEvents,
      sink: (ev) => {
        items.push({ ev });
        events.push(parseNativeTraceLine(`${ev.name}: ${formatFuseEventAs(ev, 'rfc-v3')}`, `${name} model event ${events.length + 1}`));
      },
      onAlloc: (_f, alloc) => items.push({ alloc }),
      // as `iomap-sim run` prints .out: a dump walks the fork (where the C's walk may read past a block)
      onResultI: (r) => writeOutI(r, out),
    });
  } catch (e) {
    if (!(e instanceof KernelOops) || e.line === undefined) throw e;
    stoppedAt = e.line;
    error = e.message;
  }
  return { items, events, stoppedAt, error };
}

/** the model's message where the C reads record bytes krealloc left uninitialized (as test/seed-native.test.ts) */
const UNINITIALIZED = /^memory error in fuse_iext_\w+: reads record \d+ of the root leaf, which fuse_iext_realloc_root's krealloc left uninitialized/;

/**
 * Where a run of the C stopped: the scenario line of a sanitizer's report
 * (ASan's death callback or, for UBSan's, the driver's SIGABRT handler) or
 * of the driver's exit 3, or 0.
 */
function cStop(r: CRun, file: string): number {
  if (r.status === 0) return 0;
  const asan = /:(\d+): the seed's code made the memory error reported above$/.exec(r.stderr.trimEnd());
  if (r.status === SANITIZER_EXIT && asan) return Number(asan[1]);
  const stop = /^[^\n]*:(\d+): the seed's code (did not return|holds more than|crashed)/.exec(r.stderr);
  if (r.status === 3 && stop) return Number(stop[1]);
  throw new Error(`trace build on ${file}: exit ${r.status} without a scenario line: ${r.stderr}`);
}

function compareEvents(name: string, m: ModelRun, c: CRun, lockEvents: boolean): number {
  const theirs = lockEvents ? c.events : withoutLocks(c.events);
  expectSameEvents(`${name} (model vs seed C)`, m.events, theirs);
  expectLeafIdentity(`${name} (model leaves vs seed C pointers)`, m.items, theirs);
  return theirs.length;
}

/**
 * The model's trace against the C's on one scenario: the whole run when
 * both return; otherwise both must stop at the same line (the sanitized
 * trace build says where the C makes a memory error, the model where the
 * C reads bytes it never wrote), and the lines before it are compared.
 * Returns the number of events compared and the stop line (0: none).
 */
function compareTrace(name: string, text: string, lockEvents = false): { events: number; stoppedAt: number } {
  const file = join(work, `${name}.scenario`);
  writeFileSync(file, text);
  const m = modelTrace(text, name, lockEvents);
  const asan = cTrace(true, file);
  const asanStop = cStop(asan, file);
  let stop: number;
  if (m.error && UNINITIALIZED.test(m.error)) {
    // ASan does not see a read of bytes never written: it comes at or before ASan's first report
    if (asanStop) expect(m.stoppedAt).toBeLessThanOrEqual(asanStop);
    stop = m.stoppedAt;
    expectUninitializedReadAt(work, name, text, stop);
  } else {
    expect(m.stoppedAt, `${name}: where the seed's C (${asanStop || 'returned'}) and the model (${m.stoppedAt || 'returned'}: ${m.error ?? ''}) stop`).toBe(asanStop);
    stop = asanStop;
  }
  if (!stop) {
    const c = cTrace(false, file);
    expect(c.status, `${name}: the trace build: ${c.stderr}`).toBe(0);
    return { events: compareEvents(name, m, c, lockEvents), stoppedAt: 0 };
  }
  const head = join(work, `${name}-before-${stop}.scenario`);
  const headText = text.split('\n').slice(0, stop - 1).join('\n') + '\n';
  writeFileSync(head, headText);
  const clean = cTrace(true, head);
  expect(clean.status, `${name}: the sanitized trace build before line ${stop}: ${clean.stderr}`).toBe(0);
  const c = cTrace(false, head);
  expect(c.status, `${name}: the trace build before line ${stop}: ${c.stderr}`).toBe(0);
  const mh = modelTrace(headText, `${name}-before-${stop}`, lockEvents);
  expect(mh.stoppedAt, `${name}: the model before line ${stop}`).toBe(0);
  return { events: compareEvents(`${name} before line ${stop}`, mh, c, lockEvents), stoppedAt: stop };
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.scenario'))
  .map((f) => f.slice(0, -'.scenario'.length))
  .sort();

describe('the trace build of the seed (harness)', () => {
  it("extracts every tracepoint the code calls from the seed's fuse_trace.h hunks, by name", () => {
    const text = readFileSync(seedFile(), 'utf8');
    const src = extractSeedSources(text);
    const gen = extractSeedTraceEvents(text, src.traceNames);
    const events = gen['seed_trace_events.h'];
    // TRACE_EVENTs, event classes and the DEFINE_*_EVENT macros they are made through
    expect(events).toContain('TRACE_EVENT(fuse_iomap_cache_lookup_result,');
    expect(events).toContain('DECLARE_EVENT_CLASS(fuse_iext_class,');
    expect(events).toContain('DEFINE_IEXT_EVENT(fuse_iext_insert);');
    // the invalidate event: PATCH 3/4's DEFINE line, the class of an earlier patch
    expect(events).toContain('DECLARE_EVENT_CLASS(fuse_iomap_file_range_class,');
    expect(events).toContain('DEFINE_FUSE_IOMAP_FILE_RANGE_EVENT(fuse_iomap_cache_invalidate_range);');
    // the tables as PATCH 3/4 leaves them: PATCH 2/4 adds the "null" type inside FUSE_IOMAP_TYPE_STRINGS
    expect(events).toMatch(/#define FUSE_IEXT_STATE_STRINGS \\\n/);
    expect(events).toContain(' { FUSE_IOMAP_TYPE_PURE_OVERWRITE, "overwrite" }, \\\n { FUSE_IOMAP_TYPE_NULL, "null" }, \\\n { FUSE_IOMAP_TYPE_HOLE, "hole" }, \\\n');
    expect(gen['seed_trace_uapi.h']).toContain('#define FUSE_IOMAP_TYPE_NULL (0xFFFE)');
    expect(gen['seed_trace_uapi.h']).toContain('#define FUSE_IOMAP_F_WANT_IOMAP_END (1U << 12)');
    for (const n of src.traceNames) expect(events, n).toMatch(new RegExp(`(TRACE_EVENT|\\w+)\\(${n}[,)]`));
  });

  it('refuses a seed without a tracepoint definition, naming it', () => {
    const text = readFileSync(seedFile(), 'utf8');
    const src = extractSeedSources(text);
    expect(() => extractSeedTraceEvents(text.replaceAll('DEFINE_IEXT_EVENT(fuse_iext_pre_update);', ''), src.traceNames)).toThrow(
      /no TRACE_EVENT or DEFINE_EVENT for the tracepoint fuse_iext_pre_update/,
    );
  });

  it('the default build has no tracepoints: -T is refused there', () => {
    const f = join(work, 'one.scenario');
    writeFileSync(f, 'geometry fuse\nadd read 0 0x1000 0x1000 2 0 1\n');
    const r = runSeedNative(buildSeedNative().exe, f, { traceFile: join(work, 'one.trace') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^-T: this build has no tracepoints/);
  });

  it('where the C hangs (the fuse_iext_insert_node runaway, -m), the events before the hang are written out', () => {
    const offsets = ['0x1ffffffffc0000', '0', ...[0, 1, 2, 3, 4, 5].map((k) => `0x${(0xffff_ffff_fff0_0000n + BigInt(k) * 0x1000n).toString(16)}`), '0'];
    const text = ['geometry fuse', 'blocksize 4096', 'maxbytes 0x7fffffffffffffff', ...offsets.map((o) => `upsert read ${o} 0x1000 0x9000 2 0 1`), 'dump read', ''].join('\n');
    const f = join(work, 'lockup.scenario');
    writeFileSync(f, text);
    const traceFile = join(work, 'lockup.trace');
    const r = runSeedNative(build(false).exe, f, { timeoutSeconds: 20, maxMiB: 64, traceFile });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/:11: the seed's code holds more than 64 MiB/);
    const all = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean);
    const head = join(work, 'lockup-10.scenario');
    writeFileSync(head, text.split('\n').slice(0, 10).join('\n') + '\n');
    const before = cTrace(false, head);
    expect(before.status).toBe(0);
    const n = before.events.length;
    // (pointers aside: each run has its own addresses)
    const text2 = (t: TraceLine) => `${t.event}: ${t.body}`;
    expect(all.slice(0, n).map((l, i) => text2(parseNativeTraceLine(l, `lockup.trace:${i + 1}`)))).toEqual(before.events.map(text2));
    // line 11 up to the hang: locked, the upsert's remove and add, the add's merge check; the insert never returns
    expect(all.slice(n).map((l) => l.split(':')[0])).toEqual(['fuse_iomap_cache_lock', 'fuse_iomap_cache_remove', 'fuse_iomap_cache_add', 'fuse_iext_add_mapping', 'fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right']);
  });

  for (const name of fixtures) {
    it(`fixture ${name}: the C's events are the fixture's .trace`, () => {
      const file = join(FIXTURES, `${name}.scenario`);
      const c = cTrace(false, file);
      expect(c.status, c.stderr).toBe(0);
      expect(c.stdout).toBe(readFileSync(join(FIXTURES, `${name}.out`), 'utf8'));
      const theirs = readFileSync(join(FIXTURES, `${name}.trace`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l, i) => seedLabels(parseTraceLine(l, `${name}.trace:${i + 1}`)));
      expectSameEvents(`${name}.trace (seed C vs fixture)`, withoutLocks(c.events), theirs);
      // the lock events the fixtures leave out: one lock and one unlock around each command
      const locks = c.events.filter((e) => LOCK_EVENTS.has(e.event));
      expect(locks.length).toBeGreaterThan(0);
      expect(locks.filter((e) => e.event === 'fuse_iomap_cache_lock').length).toBe(locks.length / 2);
    });
  }
});

describe('the model against the trace build of the seed (differential)', () => {
  for (const name of fixtures) {
    it(`fixture ${name}: the same events`, () => {
      const { events, stoppedAt } = compareTrace(`fixture-${name}`, readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8'));
      expect(stoppedAt).toBe(0);
      expect(events).toBeGreaterThan(0);
    });
  }
  // the lock tracepoints the fixtures leave out (`iomap-sim run --lock-events`): the C fires them around every command too
  for (const name of fixtures.filter((n) => /^(mixed|edge)/.test(n))) {
    it(`fixture ${name}, lock events on: the same events`, () => {
      const { events } = compareTrace(`fixture-${name}-locks`, readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8'), true);
      const without = compareTrace(`fixture-${name}-nolocks`, readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8')).events;
      expect(events).toBeGreaterThan(without);
    });
  }

  const grow: Array<[number, number]> = [
    [1, 2_000],
    [2, 10_000],
    [3, 30_000],
  ];
  for (const [seed, commands] of grow) {
    it(`grow, seed ${seed}, ${commands} commands: the same events`, () => {
      const { events } = compareTrace(`grow-${seed}-${commands}`, generateGrow({ commands, seed }));
      expect(events).toBeGreaterThan(commands);
    });
  }

  const runs: Array<[MixedKind, number, number]> = [
    ...Array.from({ length: 12 }, (_, i): [MixedKind, number, number] => ['mixed', 100 + i, 600]),
    ...Array.from({ length: 3 }, (_, i): [MixedKind, number, number] => ['mixed', 148 + i, 6_000]),
    ...Array.from({ length: 12 }, (_, i): [MixedKind, number, number] => ['edges', 9000 + i, 400]),
    ...Array.from({ length: 12 }, (_, i): [MixedKind, number, number] => ['high', 20000 + i, 400]),
    // high seeds where the C makes memory errors (use-after-free; 20318 a double free)
    ...[20068, 20095, 20318].map((seed): [MixedKind, number, number] => ['high', seed, 400]),
    // zero: memory errors ASan reports, and reads of root records krealloc left uninitialized
    ...Array.from({ length: 16 }, (_, i): [MixedKind, number, number] => ['zero', 30000 + i, 400]),
    // zero seeds where UBSan (index out of bounds), not ASan, stops the sanitized build: its line comes from the driver's SIGABRT handler
    ...[50010, 50028, 50059, 50146].map((seed): [MixedKind, number, number] => ['zero', seed, 300]),
    // zero seeds whose read of bytes krealloc left uninitialized changes nothing the C prints under either ASan fill
    // (a zero-length record counted or not): valgrind sees the read (expectUninitializedReadAt)
    ...[
      [50236, 300],
      [50286, 300],
      [60068, 600],
      [60139, 600],
      [60202, 600],
    ].map(([seed, n]): [MixedKind, number, number] => ['zero', seed, n]),
  ];
  const stops = new Map<MixedKind, number>();
  for (const [kind, seed, commands] of runs) {
    it(`${kind}, seed ${seed}, ${commands} commands: the same events`, () => {
      const { stoppedAt } = compareTrace(`${kind}-${seed}-${commands}`, generateMixed(seed, commands, kind));
      if (stoppedAt) stops.set(kind, (stops.get(kind) ?? 0) + 1);
    });
  }
  // tall: the key above FUSE_IEXT_KEY_INVALID up to fuse_iext_remove_node's (29, 42) and fuse_iext_update_node's
  // (686, 1815) NULL oopses, and seeds 1-6 (insert_raw's NULL cursor leaf, a read of a freed leaf, runs to the end)
  for (const seed of [1, 2, 3, 4, 5, 6, 29, 42, 686, 1815]) {
    it(`tall, seed ${seed}: the same events`, () => {
      expect(compareTrace(`tall-${seed}`, generateTall(seed)).events).toBeGreaterThan(0);
    });
  }
  it('the high and zero runs reached places where the C stops (and were compared before them)', () => {
    expect(stops.get('high') ?? 0).toBeGreaterThanOrEqual(3);
    expect(stops.get('zero') ?? 0).toBeGreaterThanOrEqual(3);
  });
});
