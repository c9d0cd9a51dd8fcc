// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `race-sim` target: the simulator's own scheduler (src/sim) over
 * random small workloads and scheduler seeds. Where the `race` target
 * interleaves kernel and server steps itself, this one hands a Workload
 * (1-2 small files, two application threads of 1-4 operations each) and
 * a seed to simulate() with the seed policy and stopAtViolation, so the
 * interleaving of threads, writeback (kicked by the workload, or flushed
 * by fsync and fallocate) and ioend completion is the
 * simulator's. Property `no-stale-io`: the run records no violation (I/O
 * through a mapping that differs from the server's truth). A violation in
 * a run that walked through a known seed hazard (erase-all-no-seq-bump,
 * or the model's stale-mapping-revalidated symptom) is a finding; any
 * other violation, a SchedulerError (deadlock, runaway) or a throw is a
 * failure. Only buffered I/O is generated: direct I/O racing
 * fallocate/truncate is a known false positive, the simulator does not
 * model i_rwsem (docs/simulator.md).
 */
import fc from 'fast-check';
import { FUSE_IOMAP_TYPE_HOLE } from '../../cache/constants.js';
import { DEFAULT_REVISION, type Revision } from '../../cache/revision.js';
import { SchedulerError, simulate } from '../../sim/index.js';
import type { Op, Workload } from '../../sim/workload/types.js';
import type { FallocMode } from '../../sim/workload/fio.js';
import type { Bias, FuzzTarget, Outcome, TargetOptions } from '../target.js';

const BLK = 4096;
const LAYOUTS = ['written', 'prealloc', 'sparse'] as const;
const FALLOC_MODES: readonly FallocMode[] = ['prealloc', 'punch', 'zero', 'collapse', 'insert'];
/** hazards that explain a violation, most direct first */
const STALE_CAUSES = ['erase-all-no-seq-bump'] as const;

export const RACE_SIM_BIAS: Readonly<Bias> = Object.freeze({ rw: 6, fallocate: 2, truncate: 1, otrunc: 1, fsync: 1, kick: 1 });

/** A reproducer: the workload and the scheduler seed. */
export interface RaceSimCase {
  workload: Workload;
  seed: number;
}

export interface RaceSimOptions extends TargetOptions {
  /** simulator policy (default 'seed'); tests plant a bug by naming 'no-revalidate' */
  policy?: string;
}

/** One operation of a thread, file index and block numbers; turned into bytes by toOp. */
function opArb(bias: Readonly<Bias>, files: number): fc.Arbitrary<Op> {
  const file = fc.nat(files - 1);
  const blk = fc.nat(3);
  const n = fc.integer({ min: 1, max: 2 });
  return fc.oneof(
    { weight: bias.rw ?? 6, arbitrary: fc.record({ op: fc.constantFrom<'read' | 'write'>('read', 'write'), file, off: blk.map((b) => b * BLK), len: n.map((k) => k * BLK), direct: fc.constant(false) }) },
    { weight: bias.fallocate ?? 2, arbitrary: fc.record({ op: fc.constant<'fallocate'>('fallocate'), file, mode: fc.constantFrom(...FALLOC_MODES), off: blk.map((b) => b * BLK), len: n.map((k) => k * BLK) }) },
    { weight: bias.truncate ?? 1, arbitrary: fc.record({ op: fc.constant<'truncate'>('truncate'), file, size: fc.nat(4).map((b) => b * BLK) }) },
    { weight: bias.otrunc ?? 1, arbitrary: fc.record({ op: fc.constant<'open-trunc'>('open-trunc'), file }) },
    { weight: bias.fsync ?? 1, arbitrary: fc.record({ op: fc.constant<'fsync'>('fsync'), file }) },
    { weight: bias.kick ?? 1, arbitrary: fc.record({ op: fc.constant<'kick-writeback'>('kick-writeback'), file }) },
  );
}

const changesSize = (o: Op): boolean => o.op === 'fallocate' || o.op === 'truncate' || o.op === 'open-trunc';

/**
 * A thread's ops without the races the simulator reports but the kernel
 * cannot have, because the simulator leaves out a lock (docs/simulator.md):
 * a buffered write to a file the other thread fallocates, truncates or
 * opens with O_TRUNC becomes a read of the same range (i_rwsem keeps them
 * apart), and a buffered read of a file the other thread ftruncates
 * becomes an fsync (fuse_do_setattr's invalidate lock). Reads racing
 * fallocate (the invalidate lock is modelled) and O_TRUNC (the seed takes
 * no invalidate lock there) stay. Leaving out operations later (the
 * shrinker) never brings such a pair back.
 */
function withoutUnmodelledLocks(mine: Op[], other: Op[]): Op[] {
  const files = (p: (o: Op) => boolean) => new Set(other.filter(p).map((o) => (o as { file: number }).file));
  const sized = files(changesSize);
  const truncated = files((o) => o.op === 'truncate');
  return mine.map((o): Op => {
    const op = o.op === 'write' && sized.has(o.file) ? { ...o, op: 'read' as const } : o;
    return op.op === 'read' && truncated.has(op.file) ? { op: 'fsync', file: op.file } : op;
  });
}

/**
 * A buffered read through a hole mapping where the server has blocks now:
 * with fallocate kept out by the invalidate lock and ftruncate by the
 * generator, only the other thread's buffered write allocates there, after
 * the read's ->iomap_begin. The kernel allows that (the write maps before
 * it takes the folio lock the read holds, and copies its data in after the
 * read zeroed the folio), so no stale data reaches the application; the
 * simulator's invariant compares mapping types and reports it.
 */
export function benignViolation(what: string): boolean {
  const m = /^buffered read of .* used type (\d+) /.exec(what);
  return m !== null && Number(m[1]) === FUSE_IOMAP_TYPE_HOLE;
}

export class RaceSimTarget implements FuzzTarget<RaceSimCase, RaceSimCase> {
  readonly name = 'race-sim' as const;
  readonly ext = '.racesim' as const;
  readonly defaultBias = RACE_SIM_BIAS;
  readonly coverageFiles = ['src/sim/engine/engine.js', 'src/sim/engine/scheduler.js', 'src/iomap/begin.js', 'src/iomap/revalidate.js'];
  readonly revision: Revision;
  readonly policy: string;

  constructor(opts: RaceSimOptions) {
    this.revision = opts.revision ?? DEFAULT_REVISION;
    this.policy = opts.policy ?? 'seed';
  }

  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<RaceSimCase> {
    return fc.integer({ min: 1, max: 2 }).chain((nfiles) =>
      fc.record({
        workload: fc.record({
          name: fc.constant('race-sim'),
          files: fc.array(
            fc.record({ size: fc.integer({ min: 1, max: 4 }).map((b) => b * BLK), layout: fc.constantFrom(...LAYOUTS) }),
            { minLength: nfiles, maxLength: nfiles },
          ).map((fs) => fs.map((f, i) => ({ name: `f${i}`, ...f }))),
          threads: fc.tuple(fc.array(opArb(bias, nfiles), { minLength: 1, maxLength: 4 }), fc.array(opArb(bias, nfiles), { minLength: 1, maxLength: 4 })).map(([a, b]) => [
            { name: 't0', phase: 0, ops: withoutUnmodelledLocks(a, b) },
            { name: 't1', phase: 0, ops: withoutUnmodelledLocks(b, a) },
          ]),
        }),
        seed: fc.nat(0x7fffffff),
      }),
    );
  }

  runInput(input: RaceSimCase): { outcome: Outcome; case: RaceSimCase } {
    return { outcome: this.runCase(input), case: input };
  }

  runCase(c: RaceSimCase): Outcome {
    const last = Math.max(0, this.size(c) - 1);
    let run;
    try {
      run = simulate({ workload: c.workload, policy: this.policy, seed: c.seed, revision: this.revision.name, timing: false, stopAtViolation: true, sampleEvery: 1 << 30 });
    } catch (e) {
      if (e instanceof SchedulerError) return { failure: { property: 'no-scheduler-error', message: e.message, opIndex: last }, findings: [] };
      return { failure: { property: 'no-crash', message: `threw ${(e as Error).stack ?? e}`, opIndex: last }, findings: [] };
    }
    const v = run.violations[0];
    // a benign violation ends the run like any other: nothing after it is checked
    if (!v || benignViolation(v.what)) return { failure: null, findings: [] };
    const message = `${v.what}\nschedule: ${v.schedule.join(' ')}`;
    const hazard = STALE_CAUSES.find((h) => (run.hazards[h] ?? 0) > 0);
    if (hazard) return { failure: null, findings: [{ property: 'no-stale-io', hazard, message: `${message}\nhazards: ${JSON.stringify(run.hazards)}`, opIndex: last }] };
    return { failure: { property: 'no-stale-io', message: `${message}\nhazards: ${JSON.stringify(run.hazards)}`, opIndex: last }, findings: [] };
  }

  /** operations of both threads, t0's first */
  size(c: RaceSimCase): number {
    return c.workload.threads.reduce((s, t) => s + t.ops.length, 0);
  }

  without(c: RaceSimCase, from: number, to: number): RaceSimCase {
    let at = 0;
    const threads = c.workload.threads.map((t) => {
      const ops = t.ops.filter((_, i) => at + i < from || at + i >= to);
      at += t.ops.length;
      return { ...t, ops };
    });
    return { workload: { ...c.workload, threads }, seed: c.seed };
  }

  /** the case as JSON (one workload, one seed) under the corpus header */
  format(c: RaceSimCase): string {
    return JSON.stringify({ seed: c.seed, workload: c.workload }, null, 1) + '\n';
  }

  parse(body: Buffer, file: string): RaceSimCase {
    const lines = body.toString('utf8').split('\n');
    const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
    if (first < 0) throw new Error(`${file}: no JSON case after the '#' header`);
    let j: unknown;
    try {
      j = JSON.parse(lines.slice(first).join('\n'));
    } catch (e) {
      throw new Error(`${file}:${first + 1}: not a JSON race-sim case (${(e as Error).message})`);
    }
    const o = j as Partial<RaceSimCase>;
    if (typeof o !== 'object' || o === null || !Number.isInteger(o.seed)) throw new Error(`${file}:${first + 1}: field 'seed' must be an integer (got ${JSON.stringify(o?.seed)})`);
    const w = o.workload;
    if (!w || !Array.isArray(w.files) || !Array.isArray(w.threads)) throw new Error(`${file}:${first + 1}: field 'workload' needs 'files' and 'threads' lists`);
    w.threads.forEach((t, i) => {
      if (!t || !Array.isArray(t.ops)) throw new Error(`${file}:${first + 1}: workload.threads[${i}].ops must be a list`);
    });
    return { workload: { ...w, name: typeof w.name === 'string' ? w.name : 'race-sim' }, seed: o.seed! };
  }
}
