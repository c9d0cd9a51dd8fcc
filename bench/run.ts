// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark runner: `npm run bench` (= tsc, then node dist/bench/run.js).
 *
 *   node dist/bench/run.js                  every suite (about 4-5 minutes)
 *   node dist/bench/run.js cache grow       only the named suites
 *   node dist/bench/run.js --quick          short smoke run of everything
 *
 * Suites: int64, cache, memory, grow. Tables go to stdout, progress to
 * stderr; the figures go to bench/results.json (sections of suites not run
 * this time are kept from the previous file). The memory suite spawns its
 * own `node --expose-gc` children, so this runner needs no node flags.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type CacheResult, runCacheBench } from './cache.bench.js';
import { fmt, parseBenchArgs, ratio, table } from './common.js';
import { type GrowResult, runGrowBench } from './grow.bench.js';
import { type Int64Result, runInt64Bench } from './int64.bench.js';
import { type MemoryResult, runMemoryBench } from './memory.bench.js';

const SUITES = ['int64', 'cache', 'memory', 'grow'] as const;
type SuiteName = (typeof SUITES)[number];

const log = (s: string) => process.stderr.write(s + '\n');
const print = (s: string) => process.stdout.write(s + '\n');

function reportInt64(r: Int64Result): void {
  print(`\n## int64: ${r.records} records per call; ratio = ops/s / ops/s of (a)`);
  for (const k of r.kernels) {
    print(`\nkernel ${k.kernel}, ${k.data} data`);
    print(
      table(
        ['variant', 'ops/s', '±%', 'ns/record', 'vs (a)', 'wrong results'],
        k.variants.map((v) => [v.variant, v.fig.hz, v.fig.rme.toFixed(1), v.nsPerRecord, ratio(v.ratio), String(v.wrong)]),
      ),
    );
  }
}

function reportCache(r: CacheResult): void {
  print(`\n## cache: ops/s, model next to oracle in one Suite (${r.rounds} round(s), maxTime ${r.maxTime} s); ratio = model / oracle`);
  const rows: Array<Array<string | number>> = [];
  for (const row of r.rows) {
    for (const op of row.ops)
      rows.push([row.geometry, String(row.extents), `${row.height}/${row.heightAfter}`, op.op, op.model.hz, op.oracle.hz, ratio(op.ratio), `${op.model.rme.toFixed(1)}/${op.oracle.rme.toFixed(1)}`]);
    rows.push([row.geometry, String(row.extents), `${row.height}/${row.heightAfter}`, 'fill (one shot, s)', row.fillSeconds.model, row.fillSeconds.oracle, ratio(row.fillSeconds.ratio), '']);
  }
  print(table(['geom', 'extents', 'height fill/after', 'operation', 'model ops/s', 'oracle ops/s', 'model/oracle', '±% m/o'], rows));
}

function reportMemory(r: MemoryResult): void {
  print('\n## memory: heapUsed + arrayBuffers growth per extent (node --expose-gc child)');
  const oracle = new Map(r.rows.filter((x) => x.impl === 'oracle').map((x) => [`${x.extents} ${x.order}`, x.bytesPerExtent]));
  const rows: Array<Array<string | number>> = [];
  for (const x of r.rows) {
    if (x.impl !== 'model') continue;
    rows.push([
      x.geometry,
      x.order,
      String(x.extents),
      String(x.height),
      x.bytesPerExtent,
      x.kernelBytesPerExtent,
      ratio(x.ratioToKernel),
      ratio(x.ratioTo32),
      x.arenaReservedPerExtent,
      x.arenaLivePerExtent,
      `${fmt(x.leafSlotBytes)}/${fmt(x.nodeSlotBytes)}`,
      oracle.get(`${x.extents} ${x.order}`) ?? NaN,
      x.ratioToKernel <= 2 ? 'yes' : 'NO',
    ]);
  }
  print(
    table(
      ['geom', 'fill', 'extents', 'height', 'model B/ext', 'kernel B/ext', 'model/kernel', 'model/32B', 'arena reserved B/ext', 'arena live B/ext', 'B/leaf, B/node slot', 'oracle B/ext', '<=2x'],
      rows,
    ),
  );
}

function reportGrow(r: GrowResult): void {
  print(`\n## grow: ${r.commands} commands (${fmt(r.scenarioBytes / 1e6)} MB scenario, ${r.outLines} .out lines)`);
  print(
    table(
      ['run', 'mean s', '±%', 'fastest s', 'samples'],
      [r.model, r.oracle, r.cli, r.nodeStartup].map((f) => [f.name, f.mean, f.rme.toFixed(1), f.min, String(f.samples)]),
    ),
  );
  print(`model vs oracle (oracle s / model s): ${ratio(r.ratioModelVsOracle)} on the means, ${ratio(r.ratioModelVsOracleMin)} on the fastest samples; CLI child / model in-process: ${ratio(r.ratioCliVsModel)}`);
  print(
    `target <= ${r.targetSeconds} s for the model end to end: ${r.targetMet ? 'MET' : 'NOT MET'} on the mean (${fmt(r.model.mean)} s = ${ratio(r.model.mean / r.targetSeconds)} the target), ` +
      `${r.targetMetBestCase ? 'MET' : 'NOT MET'} on the fastest sample (${fmt(r.model.min)} s = ${ratio(r.model.min / r.targetSeconds)})`,
  );
  const p = r.phases;
  print(`phases (one run): read ${fmt(p.read)} s, parse ${fmt(p.parse)} s, run+format model ${fmt(p.runModel)} s, oracle ${fmt(p.runOracle)} s`);
  print(`final trees: read fork ${r.final.readCount} extents height ${r.final.readHeight}, write fork ${r.final.writeCount} extents height ${r.final.writeHeight ?? '-'}, seq ${r.final.seq}`);
  print(`model vs oracle output: ${r.crossCheck.mismatches} mismatching line(s) of ${r.crossCheck.lines}` + (r.crossCheck.first ? ` (first at line ${r.crossCheck.first.line}: model '${r.crossCheck.first.model}' oracle '${r.crossCheck.first.oracle}')` : ''));
  if (r.profile) {
    print(`\nCLI profile (--cpu-prof): ${fmt(r.profile.totalMs)} ms sampled, garbage collector ${(100 * r.profile.gcShare).toFixed(1)}%`);
    print(table(['self ms', 'share', 'function'], r.profile.top.map((h) => [h.selfMs, (100 * h.share).toFixed(1) + '%', h.where])));
  }
}

/** The commit and the uncommitted src/ files the figures were measured on (read-only git). */
function sourceState(root: string): { head?: string; dirty?: string[] } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return {};
  const st = git(['status', '--porcelain', '--', 'src']);
  return { head: head.stdout.trim(), dirty: st.stdout.split('\n').filter(Boolean).map((l) => l.slice(3)) };
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    print(`usage: node dist/bench/run.js [--quick] [${SUITES.join('|')} ...]`);
    return;
  }
  const args = parseBenchArgs(argv);
  for (const s of args.only) {
    if (!(SUITES as readonly string[]).includes(s)) {
      process.stderr.write(`bench: unknown suite '${s}' (known: ${SUITES.join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
  }
  const todo: SuiteName[] = args.only.length ? (args.only as SuiteName[]) : [...SUITES];
  const resultsPath = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
  let results: Record<string, unknown> = {};
  if (args.only.length && existsSync(resultsPath)) {
    try {
      results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown>;
    } catch {
      results = {};
    }
  }
  const t0 = performance.now();
  results.meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    loadavgAtStart: loadavg(),
    quick: args.quick,
    suitesThisRun: todo,
    source: sourceState(fileURLToPath(new URL('../..', import.meta.url))),
    note: 'ratios compare entries of one Benchmark.Suite (or one child process) in the same run; absolute figures are for context only',
  };
  const src = (results.meta as { source: { head?: string; dirty?: string[] } }).source;
  print(`iomap-sim benchmarks: commit ${src.head ?? '?'}${src.dirty?.length ? ` + uncommitted ${src.dirty.join(', ')}` : ''}`);
  print(`node ${process.version}, ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}${args.quick ? ' (quick)' : ''}`);
  for (const s of todo) {
    const ts = performance.now();
    log(`[${s}]`);
    switch (s) {
      case 'int64': {
        const r = runInt64Bench(args, log);
        reportInt64(r);
        results.int64 = { ...r, date: new Date().toISOString() };
        break;
      }
      case 'cache': {
        const r = runCacheBench(args, log);
        reportCache(r);
        results.cache = { ...r, date: new Date().toISOString() };
        break;
      }
      case 'memory': {
        const r = runMemoryBench(args, log);
        reportMemory(r);
        results.memory = { ...r, date: new Date().toISOString() };
        break;
      }
      case 'grow': {
        const r = runGrowBench(args, log);
        reportGrow(r);
        results.grow = { ...r, date: new Date().toISOString() };
        break;
      }
    }
    log(`[${s}] ${((performance.now() - ts) / 1000).toFixed(1)} s`);
    writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
  }
  const total = (performance.now() - t0) / 1000;
  (results.meta as Record<string, unknown>).seconds = total;
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
  print(`\nwrote ${resultsPath} (${total.toFixed(0)} s)`);
}

main();
