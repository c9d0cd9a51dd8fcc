// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomap-sim trace parse|replay|diff FILE, and iomap-sim replay FILE: read a
 * kernel trace (trace, trace_pipe, trace-cmd report text), replay it into
 * the model and report the first divergence.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_REVISION, type Revision, revisionByName, revisionNames } from '../cache/revision.js';
import { type TraceProblem, formatProblem, newStats, openTrace, parseTraceBatches } from '../trace/parse/stream.js';
import { formatReport } from '../trace/replay/report.js';
import { replayStream } from '../trace/replay/run.js';
import { traceFormatOf } from '../trace/revision.js';
import { type CliCommand, UsageError } from './command.js';

const OPTIONS = {
  dialect: { type: 'string' },
  blocksize: { type: 'string' },
  maxbytes: { type: 'string' },
  context: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  revision: { type: 'string' },
  'cache-maxbytes': { type: 'string' },
  'parse-thread': { type: 'string' },
  'race-window': { type: 'string' },
} as const;

/** --race-window MICROS: xfs sequence reads without the ilock (default 100) */
export function raceWindowArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 60_000_000) throw new UsageError(`--race-window: '${v}' is not a number of microseconds (0 to 60000000)`);
  return Number(v);
}

/** the read size of a file parsed in the worker (each chunk is a message to it and a batch back) */
export const PARSE_THREAD_CHUNK = 256 << 10;

/**
 * --parse-thread on|off (default off): parse in a worker thread while this
 * one replays. The report is the same; whether it is faster depends on
 * the machine (docs/trace.md, sixth pass: 1.15x on one trace, slower on
 * two, on this project's 2-core VM), so it is not the default.
 */
function parseThreadArg(v: string | undefined): boolean {
  if (v === undefined || v === 'off') return false;
  if (v === 'on') return true;
  throw new UsageError(`--parse-thread: '${v}' is not on or off`);
}

/** --revision: the kernel that wrote the trace (its fuse texts and cache behaviour) */
function revisionArg(name: string | undefined): Revision {
  if (name === undefined) return DEFAULT_REVISION;
  const rev = revisionByName(name);
  if (!rev) throw new UsageError(`--revision: unknown revision '${name}' (known: ${revisionNames().join(', ')})`);
  return rev;
}

function num(v: string | undefined, what: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new UsageError(`--${what}: '${v}' is not a number`);
  return BigInt(v);
}

/** events/s and percentage on a terminal, nothing otherwise */
function progress(size: number | null): ((bytes: number, events: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const t0 = Date.now();
  return (bytes, events) => {
    const s = (Date.now() - t0) / 1000 || 1e-3;
    const pct = size ? ` ${((100 * bytes) / size).toFixed(1)}%` : '';
    process.stderr.write(`\r${pct} ${events} events, ${Math.round(events / s)} events/s `);
  };
}

const jsonReplacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v instanceof Map ? Object.fromEntries(v) : v);

async function parseOnly(file: string, json: boolean, revision: Revision): Promise<number> {
  const { stream } = openTrace(file);
  const stats = newStats();
  const problems: TraceProblem[] = [];
  // one await per chunk's batch of items, not per item
  for await (const batch of parseTraceBatches(stream, file, stats, traceFormatOf(revision))) {
    for (const it of batch) {
      if (it.kind === 'problem') {
        problems.push(it.problem);
        process.stderr.write(formatProblem(it.problem) + '\n');
      } else if (json && it.kind === 'event') {
        const { raw: _raw, ...ev } = it.event;
        process.stdout.write(JSON.stringify(ev, jsonReplacer) + '\n');
      }
    }
  }
  if (!json) {
    for (const [name, n] of [...stats.perEvent].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${name} ${n}\n`);
    for (const [name, n] of stats.unknownEvents) process.stdout.write(`  ${name} ${n} (no schema: not decoded)\n`);
  }
  process.stderr.write(`${stats.lines} lines, ${stats.events} events, ${stats.lostEvents} lost events (${stats.lostMarkers} markers), ${problems.length} unreadable lines\n`);
  return problems.length ? 1 : 0;
}

const resolveCap = (rev: Revision): boolean => !!rev.cacheSizeCap;

export async function replayFile(args: string[], mode: 'replay' | 'diff'): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError(`${mode} needs exactly one FILE (or - for standard input)`);
  const dialect = values.dialect;
  if (dialect !== undefined && dialect !== 'fuse' && dialect !== 'xfs') throw new UsageError(`--dialect: '${dialect}' is not fuse or xfs`);
  const revision = revisionArg(values.revision);
  const cap = num(values['cache-maxbytes'], 'cache-maxbytes');
  if (cap !== undefined && (cap > 0xffff_ffffn || !resolveCap(revision))) throw new UsageError(`--cache-maxbytes: ${cap > 0xffff_ffffn ? `${cap} is not an unsigned 32-bit integer` : `revision ${revision.name} has no per-connection cache cap`}`);
  const file = positionals[0];
  const parseThread = parseThreadArg(values['parse-thread']);
  // with the parse thread a file is read in larger chunks: fewer messages between the threads
  const { stream, size } = openTrace(file, parseThread ? PARSE_THREAD_CHUNK : undefined);
  let problems = 0;
  let hinted = false;
  const report = await replayStream(stream, file, {
    parseThread,
    dialect,
    revision,
    cacheMaxBytes: cap === undefined ? undefined : Number(cap),
    blockSize: num(values.blocksize, 'blocksize'),
    maxBytes: values.maxbytes === undefined ? undefined : BigInt.asIntN(64, num(values.maxbytes, 'maxbytes')!),
    context: values.context === undefined ? undefined : Number(num(values.context, 'context')),
    raceWindowMicros: raceWindowArg(values['race-window']),
    onProblem: (p) => {
      if (problems++ < 100) process.stderr.write(formatProblem(p) + '\n');
      if (!hinted && /^fuse_\w+: body does not match/.test(p.why)) {
        hinted = true;
        const others = revisionNames().filter((n) => traceFormatOf(revisionByName(n)!) !== traceFormatOf(revision));
        process.stderr.write(`hint: fuse lines that are not ${revision.name}'s texts: a trace of another kernel revision needs --revision (${others.join(', ')})\n`);
      }
    },
    onProgress: values.quiet ? undefined : progress(size),
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new UsageError(`${file}: ${e.message}`);
    throw e;
  });
  if (process.stderr.isTTY && !values.quiet) process.stderr.write('\n');
  if (values.json) process.stdout.write(JSON.stringify(report, jsonReplacer) + '\n');
  else if (mode === 'diff') {
    const text = formatReport(report, file).split('\n');
    process.stdout.write(text.filter((l) => !/^ {2}\S+ \d+$/.test(l) && !l.startsWith('events per type')).join('\n') + '\n');
  } else process.stdout.write(formatReport(report, file) + '\n');
  return report.divergences > 0 || report.lostEvents > 0 || report.lostMarkers > 0 ? 1 : 0;
}

const USAGE_LINES = `  iomap-sim trace parse FILE [--revision REV] [--json]
                                      read a trace (trace, trace_pipe or trace-cmd report text; - = stdin):
                                      events per type, FILE:LINE for each unreadable line; --json: one event a line
  iomap-sim trace replay|diff FILE [--dialect fuse|xfs] [--revision REV] [--blocksize N] [--maxbytes N]
                            [--cache-maxbytes N] [--context N] [--json] [--quiet] [--parse-thread on|off]
                            [--race-window MICROS]
                                      replay the trace into the model (fuse: the cache calls; xfs: the iext
                                      operations) and report the first divergence; exit 1 on any divergence or lost
                                      events. fuse needs the inode's block size and s_maxbytes (default 4096, 2^63-1);
                                      --revision: the kernel that wrote it (its fuse texts and cache; default rfc-v3)
                                      --parse-thread on: parse in a second thread while replaying (the same report;
                                      faster or slower depending on the machine; default off)
                                      --race-window MICROS (xfs): a sequence value XFS reads without the ilock may be
                                      one the model held up to MICROS before the read, or one a mutation makes that
                                      may have begun up to MICROS after it (default 100; docs/trace.md)
`;

export const traceCommand: CliCommand = {
  name: 'trace',
  usage: USAGE_LINES,
  run(args: string[]) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'parse': {
        const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, revision: { type: 'string' } }, allowPositionals: true });
        if (positionals.length !== 1) throw new UsageError('trace parse needs exactly one FILE (or - for standard input)');
        return parseOnly(positionals[0], values.json ?? false, revisionArg(values.revision)).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new UsageError(`${positionals[0]}: ${e.message}`);
          throw e;
        });
      }
      case 'replay':
      case 'diff':
        return replayFile(rest, sub);
      default:
        throw new UsageError(`trace: expected parse, replay or diff, not '${sub ?? ''}'`);
    }
  },
};

/** iomap-sim replay FILE: the same as trace replay (also reads files saved by iomap-sim capture). */
export const replayCommand: CliCommand = {
  name: 'replay',
  usage: `  iomap-sim replay FILE [--dialect fuse|xfs] [...]  the same as trace replay\n`,
  run: (args: string[]) => replayFile(args, 'replay'),
};
