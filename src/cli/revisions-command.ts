// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomap-sim revisions [list | diff SCENARIO]: run one scenario through the
 * cache of two kernel revisions and report every behavioural difference,
 * command by command (results, cookies, tree shape, kernel memory), then
 * the final state side by side. docs/revisions.md explains each
 * difference the report can show.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { forkName, Fork } from '../cache/constants.js';
import type { RevisionEvent } from '../cache/events.js';
import { hazardSummary } from '../cache/hazards.js';
import type { IomapCache } from '../cache/iomap-cache.js';
import { type ResolvedRevision, type Revision, resolveRevision, revisionByName, revisionNames } from '../cache/revision.js';
import { KernelOops, type Mapping } from '../iext/record.js';
import type { AllocEvent } from '../iext/tree.js';
import { parseScenario, type Scenario, ScenarioError } from '../scenario/parse.js';
import { type CommandResult, runScenario } from '../scenario/run.js';
import { type CliCommand, UsageError } from './command.js';
import { diffJob, formatJobDiff, looksLikeJob } from './revisions-job.js';
import { listPolicies, UnknownPolicyError } from '../sim/index.js';
import { FioError } from '../sim/workload/fio.js';

const x = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** What one command left behind in one revision, in comparable text. */
export interface CommandState {
  /** the command's result: errno, lookup result and mapping, dump */
  result: string;
  /** im_seq / ic_seq after the command (the next cookie) */
  seq: bigint;
  /** count/height of each fork ("-" for a fork never used) */
  shape: string;
  /** kernel-equivalent bytes: kmalloc sizes of live leaves and nodes plus a separately allocated write fork header */
  memory: number;
  /** bytes of struct fuse_iomap_cache (embedded or allocated, see Revision.cacheObjectBytes) */
  cacheObject: number;
  /** revision-only tracepoints the command fired (fuse_iomap_cache_cleanup ...) */
  events: string[];
}

export interface RevisionRun {
  revision: ResolvedRevision;
  /** per command, in scenario order */
  states: CommandState[];
  peakMemory: number;
  /** the modelled kernel crashed at this line (KernelOops) */
  oops?: { line: number; message: string };
  hazards: string[];
}

export interface CommandDiff {
  line: number;
  text: string;
  /** which aspects differ: result, seq, shape, memory, events */
  aspects: string[];
  a: CommandState;
  b: CommandState;
}

export interface DiffReport {
  file: string;
  a: RevisionRun;
  b: RevisionRun;
  commands: number;
  differences: CommandDiff[];
  /** how many commands differ in each aspect */
  byAspect: Record<string, number>;
}

function names(v: number, table: ReadonlyArray<readonly [number, string]>, isFlags: boolean): string {
  if (!isFlags) return table.find(([t]) => t === v)?.[1] ?? `0x${v.toString(16)}`;
  const parts: string[] = [];
  let rest = v;
  for (const [bit, n] of table)
    if (v & bit) {
      parts.push(n);
      rest &= ~bit;
    }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

function mapText(m: Mapping, rev: ResolvedRevision): string {
  return `${x(m.offset)}+${x(m.length)} addr ${x(m.addr)} ${names(m.type, rev.typeNames, false)} (${names(m.flags, rev.flagNames, true)}) dev ${m.dev}`;
}

function resultText(r: CommandResult, rev: ResolvedRevision): string {
  switch (r.op) {
    case 'kernel':
      return r.text;
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      return `${r.op} ${r.ret}`;
    case 'lookup':
      return r.result === 'hit' ? `hit ${mapText(r.map, rev)} cookie ${r.map.validityCookie}` : r.result;
    case 'dump': {
      if (r.nofork) return 'nofork';
      const ext: string[] = [];
      r.forEachExtent((m) => ext.push(mapText(m, rev)));
      return `${forkName(r.fork)} count ${r.count} height ${r.height}: ${ext.join(', ')}`;
    }
  }
}

const forkShape = (cache: IomapCache, fork: Fork): string => {
  const t = cache.forkPtr(fork);
  return t ? `${t.count()}/${t.height}` : '-';
};

/** Runs the scenario under one revision, recording the state after each command. */
export function runRevision(sc: Scenario, revision: Revision, cacheMaxBytes?: number): RevisionRun {
  const rev = resolveRevision(revision);
  const states: CommandState[] = [];
  let treeBytes = 0;
  let peakMemory = 0;
  let events: string[] = [];
  const onAlloc = (_fork: Fork, ev: AllocEvent) => {
    if (ev.op === 'alloc') treeBytes += ev.size;
    else if (ev.op === 'free') treeBytes -= ev.size;
    else treeBytes += ev.size - ev.oldSize;
  };
  // the cache object's life (alloc/enable before the first command, free
  // after the last) is in the final state; per command only the cleanup
  const onRevisionEvent = (ev: RevisionEvent) => {
    if (ev.name === 'fuse_iomap_cache_cleanup') events.push(`${ev.name} ${forkName(ev.fork)} bytes 0x${x(ev.bytes)}`);
  };
  const run: RevisionRun = { revision: rev, states, peakMemory: 0, hazards: [] };
  try {
    // runScenario re-encodes the scenario's type and flag names for `revision`
    const summary = runScenario(sc, {
      revision,
      cacheMaxBytes,
      revisionSink: onRevisionEvent,
      onAlloc,
      onResult: (r, cache) => {
        const memory = treeBytes + cache.forkHeaderBytes();
        peakMemory = Math.max(peakMemory, memory);
        const shape = `read ${forkShape(cache, Fork.READ)} write ${forkShape(cache, Fork.WRITE)}`;
        states.push({ result: resultText(r, rev), seq: cache.seq, shape, memory, cacheObject: cache.cacheObjectBytes(), events });
        events = [];
      },
    });
    run.hazards = [...summary.hazards.values()].map((h) => `${h.hit.hazard.id} x${h.count} (first at line ${h.firstLine}): ${hazardSummary(h.hit.hazard, rev)}`);
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    run.oops = { line: e.line ?? 0, message: e.message };
  }
  run.peakMemory = peakMemory;
  return run;
}

const ASPECTS = ['result', 'seq', 'shape', 'memory', 'events'] as const;

/**
 * Parses with the scenario's own `revision` line (or the default); a
 * scenario without one that uses names of --b's (or --a's) revision, such
 * as nocache, parses with that revision's names. The first error is
 * reported when none fits.
 */
function parseForEither(text: string, file: string, a: Revision, b: Revision): Scenario {
  let first: unknown;
  for (const revision of [undefined, b, a]) {
    try {
      const sc = parseScenario(text, file, { revision });
      // an override must not hide the scenario's own revision line
      if (revision === undefined || sc.revision === undefined) return sc;
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      first ??= e;
    }
  }
  throw first;
}

/** Runs the scenario under both revisions and lists what differs. */
export function diffRevisions(text: string, file: string, a: Revision, b: Revision, cacheMaxBytes?: number): DiffReport {
  if (cacheMaxBytes !== undefined && (!Number.isInteger(cacheMaxBytes) || cacheMaxBytes < 0 || cacheMaxBytes > 0xffff_ffff))
    throw new UsageError(`--cache-maxbytes ${cacheMaxBytes} is not an unsigned 32-bit integer`);
  const sc = parseForEither(text, file, a, b);
  const runA = runRevision(sc, a, cacheMaxBytes);
  const runB = runRevision(sc, b, cacheMaxBytes);
  const lines = text.split('\n');
  const differences: CommandDiff[] = [];
  const byAspect: Record<string, number> = Object.fromEntries(ASPECTS.map((k) => [k, 0]));
  const n = Math.max(runA.states.length, runB.states.length);
  const missing: CommandState = { result: '(not run: the kernel crashed before)', seq: -1n, shape: '', memory: 0, cacheObject: 0, events: [] };
  for (let i = 0; i < n; i++) {
    const sa = runA.states[i] ?? missing;
    const sb = runB.states[i] ?? missing;
    const aspects = ASPECTS.filter((k) => (k === 'events' ? sa.events.join() !== sb.events.join() : sa[k] !== sb[k]));
    if (!aspects.length) continue;
    for (const k of aspects) byAspect[k]++;
    const line = sc.commands[i].line;
    differences.push({ line, text: (lines[line - 1] ?? '').trim(), aspects, a: sa, b: sb });
  }
  return { file, a: runA, b: runB, commands: sc.commands.length, differences, byAspect };
}

function stateText(s: CommandState): string {
  const ev = s.events.length ? ` [${s.events.join('; ')}]` : '';
  return `${s.result} | seq ${s.seq} | ${s.shape} | ${s.memory} B${ev}`;
}

/** The text report. */
export function formatDiffReport(r: DiffReport, limit = Infinity): string {
  const an = r.a.revision.name;
  const bn = r.b.revision.name;
  const w = Math.max(an.length, bn.length);
  const out: string[] = [];
  out.push(`revisions diff ${r.file}: ${an} vs ${bn}, ${r.commands} commands, ${r.differences.length} differ`);
  out.push(`  differing in: ${Object.entries(r.byAspect).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const d of r.differences.slice(0, limit)) {
    out.push(`line ${d.line}: ${d.text}  (${d.aspects.join(', ')})`);
    out.push(`  ${an.padEnd(w)}  ${stateText(d.a)}`);
    out.push(`  ${bn.padEnd(w)}  ${stateText(d.b)}`);
  }
  if (r.differences.length > limit) out.push(`... ${r.differences.length - limit} more differing commands (--limit)`);
  out.push('final state:');
  for (const run of [r.a, r.b]) {
    const last = run.states[run.states.length - 1];
    const obj = run.revision.allocatedCache ? 'allocated on first upsert' : 'embedded in fuse_inode';
    const end = last
      ? `seq ${last.seq}, ${last.shape}, tree memory ${last.memory} B (peak ${run.peakMemory} B) + struct fuse_iomap_cache ${last.cacheObject} B (${obj})`
      : 'no command ran';
    out.push(`  ${run.revision.name.padEnd(w)}  ${end}`);
    if (run.oops) out.push(`  ${' '.repeat(w)}  kernel would ${run.oops.message.startsWith('soft lockup') ? 'hang' : 'crash'} at line ${run.oops.line}: ${run.oops.message}`);
    for (const h of run.hazards) out.push(`  ${' '.repeat(w)}  hazard ${h}`);
  }
  return out.join('\n') + '\n';
}

const jsonReplacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

function revisionArg(name: string | undefined, fallback: string, flag: string): Revision {
  const rev = revisionByName(name ?? fallback);
  if (!rev) throw new UsageError(`${flag}: unknown revision '${name}' (known: ${revisionNames().join(', ')})`);
  return rev;
}

const USAGE = `  iomap-sim revisions list          the kernel revisions the model knows
  iomap-sim revisions diff SCENARIO [--a REV] [--b REV] [--cache-maxbytes N] [--limit N] [--json]
                                      run SCENARIO under two revisions (default rfc-v3 and v7) and report every
                                      command whose result, cookie/seq, tree shape, memory or revision-only events
                                      differ, then the final state side by side; exit 1 when anything differs
  iomap-sim revisions diff JOB.fio [--a REV] [--b REV] [--policy NAME ...] [--seed S] [--json]
                                      run a fio job through the simulator under both revisions (every built-in
                                      policy unless named) and list every metric that differs; exit 1 if any
`;

export const revisionsCommand: CliCommand = {
  name: 'revisions',
  usage: USAGE,
  run(args: string[]): number {
    const [sub, ...rest] = args;
    if (sub === 'list') {
      if (rest.length) throw new UsageError('revisions list takes no arguments');
      for (const n of revisionNames()) process.stdout.write(`${n}\t${revisionByName(n)!.description}\n`);
      return 0;
    }
    if (sub !== 'diff') throw new UsageError(`revisions: expected list or diff, not '${sub ?? ''}'`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { a: { type: 'string' }, b: { type: 'string' }, 'cache-maxbytes': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, policy: { type: 'string', multiple: true }, seed: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('revisions diff takes exactly one SCENARIO or JOB file');
    const a = revisionArg(values.a, 'rfc-v3', '--a');
    const b = revisionArg(values.b, 'v7', '--b');
    const num = (v: string | undefined, flag: string): number | undefined => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag}: '${v}' is not a non-negative integer`);
      return Number(v);
    };
    const cacheMaxBytes = num(values['cache-maxbytes'], '--cache-maxbytes');
    const limit = num(values.limit, '--limit') ?? 200;
    const file = positionals[0];
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (looksLikeJob(text, file)) {
      // a fio job: the simulator under both revisions, per policy (default: every built-in policy)
      const policies = values.policy ?? listPolicies().map((p) => p.name);
      const seed = num(values.seed, '--seed') ?? 1;
      let d;
      try {
        d = diffJob(text, file, a, b, policies, seed);
      } catch (e) {
        if (e instanceof FioError || e instanceof UnknownPolicyError) {
          process.stderr.write(`iomap-sim: ${e.message}\n`);
          return 1;
        }
        throw e;
      }
      process.stdout.write(values.json ? JSON.stringify(d) + '\n' : formatJobDiff(d));
      return d.differences.length ? 1 : 0;
    }
    const report = diffRevisions(text, file, a, b, cacheMaxBytes);
    if (values.json) process.stdout.write(JSON.stringify(report, jsonReplacer) + '\n');
    else process.stdout.write(formatDiffReport(report, limit));
    return report.differences.length ? 1 : 0;
  },
};
