// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live capture at full speed (issue 4): `fio --rw=randwrite` with no rate
 * limit on a fresh XFS, once on its own (baseline) and once inside an
 * `iomap-sim live xfs` session (tracefs instance, native raw-buffer reader,
 * every event replayed into the model as it arrives), in one deferred
 * Benchmark.Suite. Figures: session time / baseline time, events captured
 * and replayed per second, lost events (the target is 0), divergences,
 * and the bench process's peak RSS. Needs root, xfsprogs, fio and the
 * native addon; without them the suite reports why it did not run.
 */
import Benchmark from 'benchmark';
import { spawnSync } from 'node:child_process';
import { liveXfs, type LiveResult } from '../src/bridge/live-session.js';
import { machineDefaultBufferKb } from '../src/bridge/buffer-size.js';
import { loadNative } from '../src/bridge/native.js';
import { findTool } from '../src/bridge/system.js';
import { Teardown } from '../src/bridge/teardown.js';
import { makeXfsMount } from '../src/bridge/xfs-image.js';
import { type BenchArgs, type Figure } from './common.js';

export interface LiveBenchResult {
  suite: 'live';
  /** why it did not run (not root, a tool or the addon missing) */
  skipped?: string;
  fioArgs?: string[];
  baseline?: Figure;
  session?: Figure;
  /** session seconds / baseline seconds (1 = tracing and replay cost nothing) */
  ratioSessionVsBaseline?: number;
  /** over every session sample */
  events?: number;
  eventsPerSecond?: number;
  lostEvents?: number;
  divergences?: number;
  peakRssMiB?: number;
  bufferKb?: number;
}

function fioArgs(sizeMiB: number): string[] {
  // one job, buffered random 4 KiB writes into a preallocated-by-nothing file, fsync at the end:
  // delalloc conversion, unwritten extents and heavy bmap splitting, as fast as the disk goes
  return ['fio', '--name=randwrite', '--rw=randwrite', '--bs=4k', `--size=${sizeMiB}m`, '--ioengine=psync', '--end_fsync=1', '--randseed=1', '--filename=$MNT/f'];
}

function withMount(args: string[], mnt: string): string[] {
  return args.map((a) => a.replace('$MNT', mnt));
}

export async function runLiveBench(args: BenchArgs): Promise<LiveBenchResult> {
  if (process.getuid?.() !== 0) return { suite: 'live', skipped: 'needs root (loop devices, mount, tracefs)' };
  for (const [tool, pkg] of [['fio', 'fio'], ['mkfs.xfs', 'xfsprogs']] as const)
    if (!findTool(tool)) return { suite: 'live', skipped: `${tool} not found (apt-get install ${pkg})` };
  const addon = loadNative();
  if (typeof addon === 'string') return { suite: 'live', skipped: `native reader not built: ${addon}` };

  const sizeMiB = args.quick ? 32 : 256;
  // mkfs.xfs refuses images under 300 MiB
  const imageMiB = Math.max(512, sizeMiB * 2 + 64);
  // what a session without --buffer-kb uses on this machine
  const bufferKb = machineDefaultBufferKb();
  const fio = fioArgs(sizeMiB);
  let events = 0;
  let lost = 0;
  let divergences = 0;
  let sessionSeconds = 0;
  let peakRss = 0;
  const sampleRss = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

  let failure: string | undefined;
  const fail = (deferred: Benchmark.Deferred, e: unknown) => {
    failure ??= (e as Error).message;
    deferred.benchmark.abort();
  };
  const baseline = (deferred: Benchmark.Deferred) => {
    const t = new Teardown();
    try {
      const m = makeXfsMount(t, imageMiB);
      const r = spawnSync(fio[0], withMount(fio.slice(1), m.mnt), { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`fio exited with ${r.status}`);
      m.unmount(); // the session's time includes its unmount too
      const errors = t.run();
      if (errors.length) throw new Error(`cleanup: ${errors.join('; ')}`);
      deferred.resolve();
    } catch (e) {
      t.run();
      fail(deferred, e);
    }
  };
  const session = (deferred: Benchmark.Deferred) => {
    const start = process.hrtime.bigint();
    liveXfs({ command: ['sh', '-c', fio.map((a) => (a.includes('$MNT') ? `"${a.replace('$MNT', '$IOMAP_SIM_MNT')}"` : a)).join(' ')], stdio: 'pipe', reader: 'native', bufferKb, imageMiB })
      .then((r: LiveResult) => {
        if (r.exitCode !== 0) throw new Error(`fio in the session exited with ${r.exitCode}: ${r.output.slice(-400)}`);
        if (r.cleanupErrors.length) throw new Error(`cleanup: ${r.cleanupErrors.join('; ')}`);
        sessionSeconds += Number(process.hrtime.bigint() - start) / 1e9;
        events += r.report.events;
        lost += r.lostEvents;
        divergences += r.report.divergences;
        deferred.resolve();
      })
      .catch((e: unknown) => fail(deferred, e));
  };

  const suite = new Benchmark.Suite('live');
  const options = { defer: true, minSamples: args.quick ? 1 : 3, maxTime: args.quick ? 0.1 : 5, initCount: 1 };
  suite.add('fio alone', baseline, options);
  suite.add('fio in a live session', session, options);
  await new Promise<void>((resolve) => {
    suite.on('cycle', (ev: Benchmark.Event) => process.stderr.write(`    live :: ${String(ev.target)}\n`));
    suite.on('complete', () => resolve());
    suite.on('abort', () => resolve());
    suite.run({ async: true });
  });
  clearInterval(sampleRss);
  const fig = (i: number): Figure => {
    const b = (suite as unknown as Benchmark[])[i];
    const s = b.stats.sample as number[];
    return { name: b.name ?? String(i), hz: b.hz, rme: b.stats.rme, samples: s.length, mean: b.stats.mean, min: Math.min(...s) };
  };
  if (failure) throw new Error(`live bench: ${failure}`);
  const base = fig(0);
  const sess = fig(1);
  return {
    suite: 'live',
    fioArgs: fio,
    baseline: base,
    session: sess,
    ratioSessionVsBaseline: sess.mean / base.mean,
    events,
    eventsPerSecond: events / sessionSeconds,
    lostEvents: lost,
    divergences,
    peakRssMiB: peakRss / 2 ** 20,
    bufferKb,
  };
}
