// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared helpers of the benchmark suites: a synchronous Benchmark.Suite
 * runner that returns plain figures, options read from argv/environment,
 * table printing, and the inode and mapping shapes every suite fills
 * caches with.
 *
 * Every comparison is a ratio between entries of one Suite run in the same
 * process: the machine is small (2 cores) and shared, so absolute numbers
 * move by tens of percent between runs while the ratios move much less.
 */
import Benchmark from 'benchmark';
import { FUSE_IOMAP_TYPE_MAPPED } from '../src/cache/constants.js';
import type { CacheInode } from '../src/cache/iomap-cache.js';
import type { Mapping } from '../src/iext/record.js';
import { S64_MAX } from '../src/util/int64.js';

/** One benchmark's outcome. hz is operations (calls of fn) per second. */
export interface Figure {
  name: string;
  hz: number;
  /** relative margin of error, percent (benchmark.js stats.rme) */
  rme: number;
  samples: number;
  /** seconds per call (benchmark.js stats.mean) */
  mean: number;
  /** seconds per call of the fastest sample: the least disturbed by other load */
  min: number;
}

export interface SuiteOptions {
  /** benchmark.js maxTime per benchmark, seconds */
  maxTime: number;
  minSamples: number;
  /** benchmark.js initCount (calls in the first calibration cycle) */
  initCount?: number;
  /** print a line per finished benchmark */
  log?: (s: string) => void;
}

/**
 * Run entries in one Benchmark.Suite, synchronously, in the given order.
 * No setup/teardown is passed, so benchmark.js calls fn through the
 * benchmark object instead of decompiling it: closures keep working.
 */
export function runSuite(title: string, entries: ReadonlyArray<readonly [string, () => unknown]>, opts: SuiteOptions): Figure[] {
  const suite = new Benchmark.Suite(title);
  for (const [name, fn] of entries) {
    suite.add(name, fn, { maxTime: opts.maxTime, minSamples: opts.minSamples, initCount: opts.initCount ?? 1 });
  }
  const out: Figure[] = [];
  let failure: Error | undefined;
  suite.on('cycle', (ev: Benchmark.Event) => {
    const b = ev.target as unknown as Benchmark;
    if (b.error) failure ??= b.error;
    opts.log?.(`    ${title} :: ${String(b)}`);
  });
  suite.run({ async: false });
  if (failure) throw failure;
  for (let i = 0; i < entries.length; i++) {
    const b = (suite as unknown as Benchmark[])[i];
    const sample = b.stats.sample as number[];
    out.push({ name: b.name ?? entries[i][0], hz: b.hz, rme: b.stats.rme, samples: sample.length, mean: b.stats.mean, min: Math.min(...sample) });
  }
  return out;
}

/**
 * Run the same entries in `rounds` suites, reversing the order every other
 * round so that neither side always runs first (JIT warm-up, GC debt,
 * a neighbour's burst of load). Figures are averaged per name: hz as the
 * geometric mean, rme as the largest seen.
 */
export function runRounds(title: string, entries: ReadonlyArray<readonly [string, () => unknown]>, opts: SuiteOptions, rounds: number): Figure[] {
  const acc = new Map<string, Figure[]>();
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? entries : [...entries].reverse();
    for (const f of runSuite(rounds > 1 ? `${title} [round ${r + 1}]` : title, order, opts)) {
      const list = acc.get(f.name) ?? [];
      list.push(f);
      acc.set(f.name, list);
    }
  }
  return entries.map(([name]) => {
    const list = acc.get(name)!;
    const hz = geomean(list.map((f) => f.hz));
    return {
      name,
      hz,
      rme: Math.max(...list.map((f) => f.rme)),
      samples: list.reduce((s, f) => s + f.samples, 0),
      mean: 1 / hz,
      min: Math.min(...list.map((f) => f.min)),
    };
  });
}

export function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ------------------------------------------------------------------ options

export interface BenchArgs {
  /** shorter runs (smaller maxTime, fewer rounds): for a smoke test */
  quick: boolean;
  /** suite names to run; empty = all */
  only: string[];
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const only: string[] = [];
  let quick = process.env.BENCH_QUICK === '1';
  for (const a of argv) {
    if (a === '--quick') quick = true;
    else if (!a.startsWith('-')) only.push(a);
  }
  return { quick, only };
}

// -------------------------------------------------------------------- output

/** Format a number with at most `digits` significant digits, grouped. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - mag);
  return x.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
}

export const ratio = (x: number): string => (Number.isFinite(x) ? x.toFixed(x >= 10 ? 1 : 2) + 'x' : String(x));

/** A plain-text table, columns padded; numbers right-aligned. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const width = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const right = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^[-+]?[\d,.]+[x%]?$|^[\d.]+ ?[a-zµ]+$/.test(String(r[i]))));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(cells[0]), width.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// ------------------------------------------------------- inodes and mappings

export const BLOCK = 4096;
export const BLOCK_N = 4096n;

/** The fixture inode: 4 KiB blocks, s_maxbytes = LLONG_MAX. */
export function benchInode(): CacheInode {
  return { ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: BLOCK_N, maxBytes: S64_MAX };
}

/**
 * Extent k of a pre-filled cache: block 2k (every other block is mapped, so
 * no two records are ever contiguous and nothing merges), one block long,
 * at a disk address with a gap after it.
 */
export function fillMapping(k: number): Mapping {
  return {
    offset: BigInt(2 * k) * BLOCK_N,
    length: BLOCK_N,
    addr: 0x1000_0000n + BigInt(3 * k) * BLOCK_N,
    type: FUSE_IOMAP_TYPE_MAPPED,
    flags: 0,
    dev: 1,
  };
}

/** Fisher-Yates with the given PRNG. */
export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = xs[i];
    xs[i] = xs[j];
    xs[j] = t;
  }
  return xs;
}

export const now = (): number => performance.now();

// ------------------------------------------------------------------ suites

/**
 * One benchmark suite as bench/run.ts drives it. A bench/NAME.bench.ts file
 * exports one of these as `benchSuite`, and run.ts lists it with one line.
 * Every figure a suite reports is a ratio against a baseline measured in
 * the same run (name the baseline in the markdown).
 */
export interface BenchSuite<R = unknown> {
  /** the word on the command line and the key in bench/results.json */
  readonly name: string;
  /** one line for `--help` and the docs' list of suites */
  readonly title: string;
  /** runs the benchmarks; the result must be plain JSON data (it goes to results.json) */
  run(args: BenchArgs, log: (s: string) => void): R | Promise<R>;
  /** plain-text tables for standard output */
  text(r: R): string;
  /**
   * The figures as markdown (tables, a line or two), regenerated into
   * docs/benchmarks.md from results.json; must work on the result read back
   * from JSON.
   */
  markdown(r: R): string;
}

/** Identity with a type check: `export const benchSuite = defineSuite({...})`. */
export const defineSuite = <R>(s: BenchSuite<R>): BenchSuite<R> => s;

/** Where and when a suite's figures were measured (stored beside them in results.json). */
export interface RunInfo {
  date: string;
  node: string;
  cores: number;
  quick: boolean;
  source: { head?: string; dirty?: string[] };
  /** absent in records written before the runner kept them */
  loadavgAtStart?: number[];
  seconds?: number;
  /** what is known of a run recorded by hand */
  note?: string;
}

/** A markdown table; integers grouped, other numbers with fmt(), cells' pipes escaped. */
export function mdTable(head: string[], rows: Array<Array<string | number>>): string {
  const num = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-US') : fmt(x));
  const c = (x: string | number) => (typeof x === 'number' ? num(x) : x).replace(/\|/g, '\\|');
  return [`| ${head.map(c).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(c).join(' | ')} |`)].join('\n');
}
