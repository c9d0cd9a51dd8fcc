// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark runner: `npm run bench` (= tsc, then node dist/bench/run.js).
 *
 *   node dist/bench/run.js                  every suite, then docs/benchmarks.md
 *   node dist/bench/run.js cache grow       only the named suites
 *   node dist/bench/run.js --quick          short smoke run of everything (docs untouched)
 *   node dist/bench/run.js --docs           only regenerate docs/benchmarks.md from results.json
 *
 * Tables go to stdout, progress to stderr; the figures go to
 * bench/results.json (sections of suites not run this time are kept from the
 * previous file) and, after a full-length run, into docs/benchmarks.md
 * (bench/doc.ts). The memory suite spawns its own `node --expose-gc`
 * children, so this runner needs no node flags.
 *
 * Adding a suite: write bench/NAME.bench.ts exporting
 * `benchSuite = defineSuite({...})` (bench/common.ts: BenchSuite) and add one
 * line to SUITES below.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchSuite, parseBenchArgs, type RunInfo } from './common.js';
import { regenerateDoc } from './doc.js';

type Loader = readonly [name: string, load: () => Promise<BenchSuite<any>>];

/** Every suite, in run order: one line each. */
export const SUITES: readonly Loader[] = [
  ['int64', () => import('./core-suites.js').then((m) => m.int64Suite)],
  ['cache', () => import('./core-suites.js').then((m) => m.cacheSuite)],
  ['memory', () => import('./core-suites.js').then((m) => m.memorySuite)],
  ['grow', () => import('./core-suites.js').then((m) => m.growSuite)],
  ['live', () => import('./core-suites.js').then((m) => m.liveSuite)],
  ['sim', () => import('./sim.bench.js').then((m) => m.benchSuite)],
  ['replay', () => import('./replay.bench.js').then((m) => m.benchSuite)],
  ['fuzz', () => import('./fuzz.bench.js').then((m) => m.benchSuite)],
];

const log = (s: string) => process.stderr.write(s + '\n');
const print = (s: string) => process.stdout.write(s + '\n');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

/** The commit and the uncommitted src/ files the figures were measured on (read-only git). */
function sourceState(): { head?: string; dirty?: string[] } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return {};
  const st = git(['status', '--porcelain', '--', 'src']);
  return { head: head.stdout.trim(), dirty: st.stdout.split('\n').filter(Boolean).map((l) => l.slice(3)) };
}

function readResults(): Record<string, unknown> {
  if (!existsSync(RESULTS)) return {};
  try {
    return JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`bench/results.json is not JSON (${(e as Error).message}); move it away to start afresh`);
  }
}

async function writeDoc(results: Record<string, unknown>): Promise<void> {
  const suites = await Promise.all(SUITES.map(([, load]) => load()));
  const doc = readFileSync(DOC, 'utf8');
  writeFileSync(DOC, regenerateDoc(doc, suites, results, (results.runInfo ?? {}) as Record<string, RunInfo>));
  print(`wrote ${DOC}`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const names = SUITES.map(([n]) => n);
  if (argv.includes('--help') || argv.includes('-h')) {
    print(`usage: node dist/bench/run.js [--quick] [--docs] [${names.join('|')} ...]`);
    return 0;
  }
  const args = parseBenchArgs(argv.filter((a) => a !== '--docs'));
  const unknown = args.only.filter((s) => !names.includes(s));
  if (unknown.length) {
    log(`bench: unknown suite '${unknown[0]}' (known: ${names.join(', ')})`);
    return 2;
  }
  // results of suites not run this time are kept
  const results = readResults();
  if (argv.includes('--docs')) {
    await writeDoc(results);
    return 0;
  }
  const todo = SUITES.filter(([n]) => !args.only.length || args.only.includes(n));
  const source = sourceState();
  const runInfo = (results.runInfo ?? {}) as Record<string, RunInfo>;
  results.runInfo = runInfo;
  const t0 = performance.now();
  results.meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    loadavgAtStart: loadavg(),
    quick: args.quick,
    suitesThisRun: todo.map(([n]) => n),
    source,
    note: 'ratios compare entries of one Benchmark.Suite (or one child process) in the same run; absolute figures are for context only',
  };
  print(`iomap-sim benchmarks: commit ${source.head ?? '?'}${source.dirty?.length ? ` + uncommitted ${source.dirty.join(', ')}` : ''}`);
  print(`node ${process.version}, ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}${args.quick ? ' (quick)' : ''}`);
  for (const [name, load] of todo) {
    const suite = await load();
    const ts = performance.now();
    const load0 = loadavg();
    log(`[${name}]`);
    const r = await suite.run(args, log);
    print('\n' + suite.text(r));
    const seconds = (performance.now() - ts) / 1000;
    results[name] = r;
    runInfo[name] = { date: new Date().toISOString(), node: process.version, cores: availableParallelism(), loadavgAtStart: load0, quick: args.quick, seconds, source };
    log(`[${name}] ${seconds.toFixed(1)} s`);
    writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  }
  const total = (performance.now() - t0) / 1000;
  (results.meta as Record<string, unknown>).seconds = total;
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  print(`\nwrote ${RESULTS} (${total.toFixed(0)} s)`);
  if (args.quick) print('docs/benchmarks.md not regenerated (quick run: figures too short to quote)');
  else await writeDoc(results);
  return 0;
}

main().then(
  (s) => (process.exitCode = s),
  (e: unknown) => {
    log(`bench: ${(e as Error)?.stack ?? e}`);
    process.exitCode = 1;
  },
);
