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
 * Every replay must end with 0 divergences, or the suite fails.
 *
 * The machine is shared (2 cores, other work running): beside benchmark.js's
 * wall-clock rate, each side reports events per CPU-second of this process
 * (user + system over all its calls, GC threads included), the throughput
 * when the process has a core, which other processes' load moves less.
 */
import Benchmark from 'benchmark';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { type BenchArgs, defineSuite, fmt, mdTable, ratio, table } from './common.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = process.env.IOMAP_SIM_SHARED ?? resolve(ROOT, '..', 'shared');
const XFS_TRACE = join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace');
const CHUNK = 1 << 16;
/** the target for text replay */
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
  replay: Side;
  /** replay events/s / parse-only events/s, same trace, same Suite */
  ratio: number;
  divergences: number;
}

export interface ReplayResult {
  rows: ReplayRow[];
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

async function* chunks(buf: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

/** The parser as the replay reads it: a column batch per chunk (rows the exact path read keep their item). */
async function parseOnly(t: Trace): Promise<number> {
  let n = 0;
  for await (const batch of parseTraceColumns(chunks(t.text), t.name, newStats(), traceFormatOf(t.revision)))
    for (let r = 0; r < batch.length; r++) if (batch.schema[r] !== null || batch.item[r]!.kind === 'event') n++;
  return n;
}

function benchTrace(t: Trace, args: BenchArgs, log: (s: string) => void): Promise<ReplayRow> {
  return new Promise((done, fail) => {
    let events = -1;
    let divergences = 0;
    let failure: unknown;
    const stop = (d: Benchmark.Deferred, e: unknown) => {
      failure ??= e;
      d.benchmark.abort();
    };
    // CPU time (µs) and calls per side
    const cpu = [
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
    const replay = (d: Benchmark.Deferred) => {
      const c0 = process.cpuUsage();
      return replayStream(chunks(t.text), t.name, t.opts).then((r) => {
        spent(1, c0);
        divergences = Math.max(divergences, r.divergences);
        if (r.divergences || r.stats.problems) return stop(d, new Error(`${t.name}: ${r.divergences} divergences, ${r.stats.problems} unreadable lines (first: ${r.first?.line}: ${r.first?.what})`));
        d.resolve();
      }, (e: unknown) => stop(d, e));
    };
    const suite = new Benchmark.Suite(`replay ${t.name}`);
    const options = { defer: true, minSamples: args.quick ? 2 : 8, maxTime: args.quick ? 0.3 : 4, initCount: 1 };
    suite.add('parse only', parse, options);
    suite.add('replay', replay, options);
    suite.on('cycle', (ev: Benchmark.Event) => log(`    replay :: ${t.name} :: ${String(ev.target)}`));
    suite.on('complete', () => {
      if (failure) return fail(failure);
      const [p, r] = [0, 1].map((i) => (suite as unknown as Benchmark[])[i]);
      const side = (b: Benchmark, k: number): Side => ({ hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length, eventsPerSecond: b.hz * events, eventsPerCpuSecond: (events * cpu[k].calls) / (cpu[k].us / 1e6) });
      done({
        trace: t.name,
        dialect: t.dialect,
        revision: t.revision.name,
        bytes: t.text.length,
        events,
        parse: side(p, 0),
        replay: side(r, 1),
        ratio: r.hz / p.hz,
        divergences,
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
  const rows: ReplayRow[] = [];
  for (const t of traces) rows.push(await benchTrace(t, args, log));
  return { rows, maxTime: args.quick ? 0.3 : 4, target: TARGET_EVENTS_PER_SECOND };
}

export const benchSuite = defineSuite<ReplayResult>({
  name: 'replay',
  title: 'text trace replay (fuse rfc-v3/v7, xfs) in events/s; ratio = replay / parse-only of the same trace in the same Suite',
  run: runReplayBench,
  text(r) {
    return (
      `## replay: events/s, parse only and full replay of the same in-memory trace in one Suite; ratio = replay / parse (target ${fmt(r.target)} events/s)\n` +
      table(
        ['trace', 'dialect', 'events', 'MB', 'parse events/s', '±%', 'per CPU-s', 'replay events/s', '±%', 'per CPU-s', 'replay/parse', 'divergences'],
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
          String(x.divergences),
        ]),
      )
    );
  },
  markdown(r) {
    return (
      mdTable(
        ['trace', 'dialect', 'events', 'parse-only events/s', 'per CPU-second', 'replay events/s', 'per CPU-second', 'replay / parse', `replay / target ${fmt(r.target)}`],
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
        ]),
      ) + '\n\nEvery replay above ended with 0 divergences (the suite fails otherwise). Per CPU-second: events per second of this process\'s CPU time (the machine is shared).'
    );
  },
});
