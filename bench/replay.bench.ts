// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text replay throughput (issue 4): for each trace, one deferred
 * Benchmark.Suite runs the parser alone over it (split, scan, decode, in
 * column batches as the replay reads them, parse/batch.ts: the baseline) and the whole replay (the same parse, then the model
 * re-executing every call and checking every event), one call = the whole
 * trace from an in-memory buffer in 64 KiB chunks like a file stream.
 * Figures: events/s of each and replay / parse-only, the share of the
 * parser's speed the replay keeps. Traces: a generated fuse `grow` run
 * written by the model (rfc-v3 and v7 texts) and the xfs-live fixture.
 * Every replay must end with 0 divergences, or the suite fails. The
 * replay runs twice per trace: in one thread, and with the parse in a
 * worker thread (replayStream's parseThread, what the CLI does with
 * --parse-thread on, reading a file in PARSE_THREAD_CHUNK pieces), whose
 * worker is kept and reused from call to call as it is within one process.
 *
 * Before each trace's Suite, WARM_UP_CALLS untimed replays (one thread,
 * then with the parse thread) run its code into optimised form, as the
 * grow bench's untimed runs do before its Suite: the Suite gives the
 * replay's steady rate, what a trace of gigabytes runs at. The first of
 * them, the replay as a fresh process's first call meets it (bytecode,
 * baseline code, then optimisation), is reported beside it (coldCall).
 *
 * The machine is shared (2 cores, other work running): beside benchmark.js's
 * wall-clock rate, each side reports events per CPU-second of this process
 * (user + system over all its calls, GC threads included), the throughput
 * when the process has a core, which other processes' load moves less.
 *
 * A baseline build (IOMAP_SIM_REPLAY_BASELINE=DIR, DIR another checkout's
 * compiled dist/, e.g. of main at an earlier commit) is measured in the same
 * Suite: its replay and this build's alternate (baseline, replay, baseline,
 * replay), each side's rate is the mean of its two, and the row gives this
 * build's replay rate over the baseline's, both under the same load.
 * IOMAP_SIM_REPLAY_BASELINE_LABEL names it in the tables (default: DIR).
 */
import Benchmark from 'benchmark';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Revision } from '../src/cache/revision.js';
import { RFC_V3 } from '../src/cache/revision.js';
import { V7 } from '../src/cache/revision-v7.js';
import { generateGrow } from '../src/scenario/generate.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { FtraceTextWriter } from '../src/trace/fuse-format.js';
import { newStats, parseTraceColumns } from '../src/trace/parse/stream.js';
import { type ReplayOptions, replayStream } from '../src/trace/replay/run.js';
import { traceFormatOf } from '../src/trace/revision.js';
import { PARSE_THREAD_CHUNK } from '../src/cli/trace-command.js';
import { type BenchArgs, defineSuite, fmt, mdTable, ratio, table } from './common.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = process.env.IOMAP_SIM_SHARED ?? resolve(ROOT, '..', 'shared');
const XFS_TRACE = join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace');
const CHUNK = 1 << 16;
/** the issue's target for text replay */
export const TARGET_EVENTS_PER_SECOND = 1_000_000;

interface Side {
  hz: number;
  rme: number;
  samples: number;
  eventsPerSecond: number;
  /** events per CPU-second of this process over every call benchmark.js made */
  eventsPerCpuSecond: number;
}

export interface ReplayRow {
  trace: string;
  dialect: 'fuse' | 'xfs';
  revision: string;
  bytes: number;
  events: number;
  parse: Side;
  /** the replay in one thread */
  replay: Side;
  /** the replay with the parse in a worker thread (replayStream's parseThread; the CLI's --parse-thread on) */
  replayThread?: Side;
  /** replayThread events/s / replay events/s (absent in results stored before the parse thread) */
  threadVsOne?: number;
  /** replay events/s / parse-only events/s, same trace, same Suite */
  ratio: number;
  /**
   * The first untimed replay of the trace in this process (one thread),
   * before any replay code was optimised: milliseconds and events/s
   * (absent in results stored before the warm-up)
   */
  coldCall?: { ms: number; eventsPerSecond: number };
  /** untimed replays before the Suite (one thread; as many again with the parse thread) */
  warmUpCalls?: number;
  divergences: number;
  /** the baseline build's replay in the same Suite (IOMAP_SIM_REPLAY_BASELINE), and replay / baseline */
  baseline?: Side & { dir: string };
  vsBaseline?: number;
}

export interface ReplayResult {
  rows: ReplayRow[];
  /** the baseline build's dist/ when one was measured */
  baselineDir?: string;
  maxTime: number;
  target: number;
}

interface Trace {
  name: string;
  dialect: 'fuse' | 'xfs';
  revision: Revision;
  text: Buffer;
  opts: ReplayOptions;
}

/** A fuse trace the model writes for a generated grow scenario, in the revision's texts. */
function fuseTrace(commands: number, revision: Revision): Trace {
  const sc = parseScenario(generateGrow({ commands, seed: 1 }), 'grow', { revision });
  const out: string[] = [];
  const format = traceFormatOf(revision);
  const w = new FtraceTextWriter((s) => out.push(s), undefined, undefined, undefined, format);
  runScenario(sc, { revision, sink: (ev) => w.event(ev), revisionSink: format === 'v7' ? (ev) => w.revisionEvent(ev) : undefined });
  return {
    name: `grow ${commands} commands (${revision.name} texts)`,
    dialect: 'fuse',
    revision,
    text: Buffer.from(out.join('')),
    opts: { dialect: 'fuse', revision, blockSize: sc.blockSize, maxBytes: sc.maxBytes },
  };
}

type ReplayFn = typeof replayStream;
interface Baseline {
  dir: string;
  replayStream: ReplayFn;
  /** the baseline's own revision objects, by name */
  revisions: Map<string, Revision>;
}

/** The baseline build's replayStream (IOMAP_SIM_REPLAY_BASELINE), or null. */
async function loadBaseline(): Promise<Baseline | null> {
  const dir = process.env.IOMAP_SIM_REPLAY_BASELINE;
  if (!dir) return null;
  const at = (p: string) => pathToFileURL(join(resolve(dir), p)).href;
  const run = (await import(at('src/trace/replay/run.js'))) as { replayStream: ReplayFn };
  const v3 = (await import(at('src/cache/revision.js'))) as { RFC_V3: Revision };
  const v7 = (await import(at('src/cache/revision-v7.js'))) as { V7: Revision };
  return { dir: process.env.IOMAP_SIM_REPLAY_BASELINE_LABEL || dir, replayStream: run.replayStream, revisions: new Map([v3.RFC_V3, v7.V7].map((r) => [r.name, r])) };
}

async function* chunks(buf: Buffer, size = CHUNK): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** The parser as the replay reads it: a column batch per chunk (rows the exact path read keep their item). */
async function parseOnly(t: Trace): Promise<number> {
  let n = 0;
  for await (const batch of parseTraceColumns(chunks(t.text), t.name, newStats(), traceFormatOf(t.revision)))
    for (let r = 0; r < batch.length; r++) if (batch.schema[r] !== null || batch.item[r]!.kind === 'event') n++;
  return n;
}

/** untimed replays of each trace before its Suite (each way: one thread, parse thread) */
export const WARM_UP_CALLS = 4;

/** The untimed replays before a trace's Suite; returns the first one's time (ms) and events. */
async function warmUp(t: Trace, calls: number): Promise<{ ms: number; events: number }> {
  let first = { ms: 0, events: 0 };
  for (const parseThread of [false, true]) {
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const r = await replayStream(chunks(t.text, parseThread ? PARSE_THREAD_CHUNK : CHUNK), t.name, { ...t.opts, parseThread });
      if (r.divergences || r.stats.problems) throw new Error(`${t.name}: ${r.divergences} divergences, ${r.stats.problems} unreadable lines in a warm-up replay`);
      if (!parseThread && i === 0) first = { ms: performance.now() - t0, events: r.stats.events };
    }
  }
  return first;
}

async function benchTrace(t: Trace, args: BenchArgs, log: (s: string) => void, base: Baseline | null): Promise<ReplayRow> {
  const calls = args.quick ? 1 : WARM_UP_CALLS;
  const cold = await warmUp(t, calls);
  log(`    replay :: ${t.name} :: first call (cold) ${cold.ms.toFixed(0)} ms, then ${2 * calls - 1} more untimed calls`);
  return new Promise((done, fail) => {
    let events = -1;
    let divergences = 0;
    let failure: unknown;
    const stop = (d: Benchmark.Deferred, e: unknown) => {
      failure ??= e;
      d.benchmark.abort();
    };
    // CPU time (µs) and calls per side: parse, replay, baseline replay, replay with the parse thread (its CPU counted too)
    const cpu = [
      { us: 0, calls: 0 },
      { us: 0, calls: 0 },
      { us: 0, calls: 0 },
      { us: 0, calls: 0 },
    ];
    const spent = (side: number, c0: NodeJS.CpuUsage) => {
      const c = process.cpuUsage(c0);
      cpu[side].us += c.user + c.system;
      cpu[side].calls++;
    };
    const parse = (d: Benchmark.Deferred) => {
      const c0 = process.cpuUsage();
      return parseOnly(t).then((n) => {
        spent(0, c0);
        events = n;
        d.resolve();
      }, (e: unknown) => stop(d, e));
    };
    const replayWith = (side: number, run: ReplayFn, opts: ReplayOptions, chunk = CHUNK) => (d: Benchmark.Deferred) => {
      const c0 = process.cpuUsage();
      return run(chunks(t.text, chunk), t.name, opts).then((r) => {
        spent(side, c0);
        divergences = Math.max(divergences, r.divergences);
        if (r.divergences || r.stats.problems) return stop(d, new Error(`${t.name}: ${r.divergences} divergences, ${r.stats.problems} unreadable lines (first: ${r.first?.line}: ${r.first?.what})`));
        d.resolve();
      }, (e: unknown) => stop(d, e));
    };
    const suite = new Benchmark.Suite(`replay ${t.name}`);
    const options = { defer: true, minSamples: args.quick ? 2 : 8, maxTime: args.quick ? 0.3 : 4, initCount: 1 };
    const replay = replayWith(1, replayStream, t.opts);
    // in the CLI's chunks for a file parsed in the worker (PARSE_THREAD_CHUNK)
    const threaded = replayWith(3, replayStream, { ...t.opts, parseThread: true }, PARSE_THREAD_CHUNK);
    suite.add('parse only', parse, options);
    const baseOpts = base && { ...t.opts, revision: t.opts.revision && base.revisions.get(t.opts.revision.name) };
    if (base) suite.add('replay (baseline)', replayWith(2, base.replayStream, baseOpts!), options);
    suite.add('replay', replay, options);
    if (base) {
      suite.add('replay (baseline) again', replayWith(2, base.replayStream, baseOpts!), options);
      suite.add('replay again', replay, options);
    }
    suite.add('replay, parse thread', threaded, options);
    suite.on('cycle', (ev: Benchmark.Event) => log(`    replay :: ${t.name} :: ${String(ev.target)}`));
    suite.on('complete', () => {
      if (failure) return fail(failure);
      const marks = suite as unknown as Benchmark[];
      const p = marks[0];
      const side = (bs: Benchmark[], k: number): Side => {
        // the mean of the side's benchmarks (one, or two alternating with the baseline's)
        const hz = bs.reduce((a, b) => a + b.hz, 0) / bs.length;
        const rme = Math.max(...bs.map((b) => b.stats.rme));
        return { hz, rme, samples: bs.reduce((a, b) => a + b.stats.sample.length, 0), eventsPerSecond: hz * events, eventsPerCpuSecond: (events * cpu[k].calls) / (cpu[k].us / 1e6) };
      };
      const mine = base ? side([marks[2], marks[4]], 1) : side([marks[1]], 1);
      const theirs = base ? side([marks[1], marks[3]], 2) : null;
      const two = side([marks[marks.length - 1]], 3);
      done({
        trace: t.name,
        dialect: t.dialect,
        revision: t.revision.name,
        bytes: t.text.length,
        events,
        parse: side([p], 0),
        replay: mine,
        replayThread: two,
        threadVsOne: two.hz / mine.hz,
        ratio: mine.hz / p.hz,
        coldCall: { ms: cold.ms, eventsPerSecond: cold.events / (cold.ms / 1000) },
        warmUpCalls: calls,
        divergences,
        ...(theirs ? { baseline: { ...theirs, dir: base!.dir }, vsBaseline: mine.hz / theirs.hz } : {}),
      });
    });
    suite.run({ async: true });
  });
}

export async function runReplayBench(args: BenchArgs, log: (s: string) => void = () => {}): Promise<ReplayResult> {
  const commands = args.quick ? 2000 : 20000;
  const traces: Trace[] = [
    fuseTrace(commands, RFC_V3),
    fuseTrace(commands, V7),
    { name: 'xfs-live fixture', dialect: 'xfs', revision: RFC_V3, text: readFileSync(XFS_TRACE), opts: { dialect: 'xfs' } },
  ];
  const base = await loadBaseline();
  const rows: ReplayRow[] = [];
  for (const t of traces) rows.push(await benchTrace(t, args, log, base));
  return { rows, maxTime: args.quick ? 0.3 : 4, target: TARGET_EVENTS_PER_SECOND, ...(base ? { baselineDir: base.dir } : {}) };
}

export const benchSuite = defineSuite<ReplayResult>({
  name: 'replay',
  title: 'text trace replay (fuse rfc-v3/v7, xfs) in events/s; ratio = replay / parse-only of the same trace in the same Suite',
  run: runReplayBench,
  text(r) {
    return (
      `## replay: events/s, parse only and full replay of the same in-memory trace in one Suite; ratio = replay / parse (target ${fmt(r.target)} events/s)\n` +
      table(
        ['trace', 'dialect', 'events', 'MB', 'parse events/s', '±%', 'per CPU-s', 'replay events/s', '±%', 'per CPU-s', 'replay/parse', 'first call events/s', 'parse-thread replay', '±%', 'per CPU-s', 'thread/one', 'divergences', ...(r.baselineDir ? ['baseline replay', 'per CPU-s', 'replay/baseline'] : [])],
        r.rows.map((x) => [
          x.trace,
          x.dialect,
          String(x.events),
          (x.bytes / 1e6).toFixed(1),
          x.parse.eventsPerSecond,
          x.parse.rme.toFixed(1),
          x.parse.eventsPerCpuSecond,
          x.replay.eventsPerSecond,
          x.replay.rme.toFixed(1),
          x.replay.eventsPerCpuSecond,
          ratio(x.ratio),
          x.coldCall?.eventsPerSecond ?? '-',
          x.replayThread?.eventsPerSecond ?? '-',
          x.replayThread?.rme.toFixed(1) ?? '-',
          x.replayThread?.eventsPerCpuSecond ?? '-',
          x.threadVsOne === undefined ? '-' : ratio(x.threadVsOne),
          String(x.divergences),
          ...(x.baseline ? [x.baseline.eventsPerSecond, x.baseline.eventsPerCpuSecond, ratio(x.vsBaseline!)] : []),
        ]),
      ) + (r.baselineDir ? `\nbaseline: ${r.baselineDir} (its replay alternating with this build's in each Suite)\n` : '')
    );
  },
  markdown(r) {
    return (
      mdTable(
        ['trace', 'dialect', 'events', 'parse-only events/s', 'per CPU-second', 'replay events/s (one thread)', 'per CPU-second', 'replay / parse', `replay / target ${fmt(r.target)}`, 'first call (cold) ms', 'first call events/s', 'replay events/s (parse thread)', 'per CPU-second (both threads)', 'parse thread / one', ...(r.baselineDir ? ['baseline replay events/s', 'replay / baseline'] : [])],
        r.rows.map((x) => [
          x.trace,
          x.dialect,
          x.events,
          Math.round(x.parse.eventsPerSecond),
          Math.round(x.parse.eventsPerCpuSecond ?? NaN),
          Math.round(x.replay.eventsPerSecond),
          Math.round(x.replay.eventsPerCpuSecond ?? NaN),
          ratio(x.ratio),
          ratio(x.replay.eventsPerSecond / r.target),
          x.coldCall ? Math.round(x.coldCall.ms) : '-',
          x.coldCall ? Math.round(x.coldCall.eventsPerSecond) : '-',
          x.replayThread ? Math.round(x.replayThread.eventsPerSecond) : '-',
          x.replayThread ? Math.round(x.replayThread.eventsPerCpuSecond) : '-',
          x.threadVsOne === undefined ? '-' : ratio(x.threadVsOne),
          ...(x.baseline ? [Math.round(x.baseline.eventsPerSecond), ratio(x.vsBaseline!)] : []),
        ]),
      ) +
      (r.baselineDir ? `\n\nBaseline: ${r.baselineDir}, its replay alternating with this build's in the same Suite (baseline, replay, baseline, replay; each side the mean of its two).` : '') +
      `\n\nEach trace's Suite ran after ${r.rows[0]?.warmUpCalls ?? 0} untimed replays in one thread and as many with the parse thread (none before ${'`'}warmUpCalls${'`'} was stored): the replay figures are the steady rate, what a long trace runs at. "First call" is the first of them, the replay as a fresh process meets it, its code not yet optimised.` +
      '\n\nEvery replay above ended with 0 divergences (the suite fails otherwise). Per CPU-second: events per second of this process\'s CPU time (the machine is shared; with the parse thread, both threads\' time). The parse-thread replay is `iomap-sim replay --parse-thread on` (off by default): the same report, the parse of the next chunk in a worker while this thread replays.'
    );
  },
});
