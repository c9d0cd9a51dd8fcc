// SPDX-License-Identifier: GPL-2.0-only
/*
 * A live XFS session: fresh XFS on a loop device, a tracefs instance of our
 * own with the xfs iext/bmap/iomap events filtered to that device, a
 * command run with $IOMAP_SIM_MNT, everything captured (through the native
 * raw-buffer reader when built, else trace_pipe text) and replayed into the
 * model as it arrives. Everything is torn down on success, error and
 * signals.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { XFS_EVENTS } from '../trace/schema/xfs-events.js';
import type { ReplayReport } from '../trace/replay/report.js';
import { replayItems, replayStream } from '../trace/replay/run.js';
import { type ParseStats, type TraceItem, newStats } from '../trace/parse/stream.js';
import { NativeMerger, loadNative, pollItems } from './native.js';
import { ChunkQueue } from './chunk-queue.js';
import { machineDefaultBufferKb } from './buffer-size.js';
import { LiveError, requireRoot } from './system.js';
import { Teardown } from './teardown.js';
import { TracefsInstance } from './tracefs.js';
import { makeXfsMount } from './xfs-image.js';

export interface LiveOptions {
  /** CMD ARGS...: run with IOMAP_SIM_MNT set to the mount point */
  command: string[];
  /** also save the captured trace text here (for `iomap-sim replay FILE`) */
  capture?: string;
  /** ring buffer per CPU, KiB (default: machineDefaultBufferKb, 32-256 MiB by the memory available) */
  bufferKb?: number;
  imageMiB?: number;
  /** the command's output: inherited (CLI) or collected (tests) */
  stdio?: 'inherit' | 'pipe';
  /** native: raw ring buffers through the addon (an error if it is not built); text: trace_pipe; auto (default): native when built */
  reader?: 'native' | 'text' | 'auto';
  /** the replay's race window for sequence reads without the ilock, µs (ReplayOptions.raceWindowMicros) */
  raceWindowMicros?: number;
}

export interface LiveResult {
  report: ReplayReport & { stats: ParseStats };
  /** the command's exit status (null if killed by a signal) */
  exitCode: number | null;
  /** events the ring buffers overwrote or dropped, per the kernel's per-CPU stats, plus LOST markers */
  lostEvents: number;
  output: string;
  /** cleanup steps that failed (empty when everything was torn down) */
  cleanupErrors: string[];
  /** which reader captured the events */
  reader: 'native' | 'text';
  /** what the session set up (all gone when it returns) */
  setup: { image: string; loop: string; mnt: string; instance: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function liveXfs(opts: LiveOptions): Promise<LiveResult> {
  if (opts.command.length === 0) throw new LiveError('live xfs needs a command to run: iomap-sim live xfs -- CMD ARGS...');
  requireRoot('iomap-sim live');
  const teardown = new Teardown();
  let result: Omit<LiveResult, 'cleanupErrors'> | undefined;
  let failure: unknown;
  let capture: WriteStream | undefined;
  let pumping = false;
  let reader: 'native' | 'text' = 'text';
  let endQueue = () => {};
  let setup: LiveResult['setup'] | undefined;
  let pump: Promise<void> = Promise.resolve();
  try {
    const m = makeXfsMount(teardown, opts.imageMiB ?? 512);
    const inst = TracefsInstance.create(teardown, `iomap-sim-${process.pid}-${Date.now()}`);
    setup = { image: m.image, loop: m.loop, mnt: m.mnt, instance: inst.path };
    inst.tracingOn(false);
    // one clock for every CPU: the replay merges the per-CPU buffers by timestamp
    inst.traceClock('global');
    inst.bufferSizeKb(opts.bufferKb ?? machineDefaultBufferKb());
    for (const event of XFS_EVENTS) inst.enable({ system: 'xfs', event, filter: `dev == ${m.dev}` });
    const addon = opts.reader === 'text' ? 'not asked for' : loadNative();
    if (opts.reader === 'native' && typeof addon === 'string') throw new LiveError(addon);
    reader = typeof addon === 'string' ? 'text' : 'native';
    if (opts.capture) capture = createWriteStream(opts.capture);

    let take: (final?: boolean) => boolean;
    let replaying: Promise<LiveResult['report']>;
    if (typeof addon !== 'string') {
      // raw ring buffers through libtracefs, decoded by libtraceevent
      const native = new addon.Reader(inst.root, inst.name, ['xfs']);
      teardown.add('close the native reader', () => native.close());
      const items = new ChunkQueue<TraceItem>();
      const stats = newStats();
      const counter = { line: 0, events: 0 };
      const merger = new NativeMerger();
      replaying = replayItems(items, stats, { dialect: 'xfs', raceWindowMicros: opts.raceWindowMicros });
      take = (final = false) => {
        let any = false;
        const before = merger.held;
        for (const it of pollItems(native, counter, merger, final, () => inst.pendingCpus())) {
          any = true;
          items.push(it);
          if (it.kind === 'event') {
            stats.events++;
            stats.perEvent.set(it.event.name, (stats.perEvent.get(it.event.name) ?? 0) + 1);
            capture?.write(it.event.raw + '\n');
          } else if (it.kind === 'lost') {
            stats.lostMarkers++;
            stats.lostEvents += it.count ?? 0;
            capture?.write(`CPU:0 [LOST ${it.count ?? 0} EVENTS]\n`);
          }
        }
        return any || merger.held > before;
      };
      endQueue = () => items.end();
    } else {
      inst.openPipe();
      const queue = new ChunkQueue();
      replaying = replayStream(queue, opts.capture ?? 'live', { dialect: 'xfs', raceWindowMicros: opts.raceWindowMicros });
      const buf = Buffer.allocUnsafe(1 << 20);
      take = () => {
        const chunk = inst.readPipe(buf);
        if (!chunk) return false;
        queue.push(chunk);
        capture?.write(chunk);
        return true;
      };
      endQueue = () => queue.end();
    }
    pumping = true;
    pump = (async () => {
      // yield after each batch so that the replay keeps up (memory stays bounded)
      while (pumping) await (take() ? new Promise((r) => setImmediate(r)) : sleep(5));
    })();

    inst.tracingOn(true);
    let output = '';
    // its own process group, so that teardown on a signal stops all of it before unmounting
    const child = spawn(opts.command[0], opts.command.slice(1), {
      env: { ...process.env, IOMAP_SIM_MNT: m.mnt },
      stdio: opts.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      detached: true,
    });
    let running = true;
    teardown.add(`stop ${opts.command[0]}`, () => {
      if (running && child.pid) process.kill(-child.pid, 'SIGKILL');
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(new LiveError(`running ${opts.command[0]}: ${e.message}`)));
      child.on('close', (code) => {
        running = false;
        resolve(code);
      });
    });
    // unmount while still capturing: writeback and inode teardown at unmount are traced too
    m.unmount();
    inst.tracingOn(false);
    pumping = false;
    await pump;
    while (take());
    take(true); // release what the merger still holds
    const lostKernel = inst.lostEvents();
    endQueue();
    const report = await replaying;
    result = { report, exitCode, lostEvents: lostKernel + report.lostEvents, output, reader, setup };
  } catch (e) {
    failure = e;
  } finally {
    pumping = false;
    await pump.catch(() => undefined);
    if (capture) await new Promise((r) => capture!.end(r));
  }
  const cleanupErrors = teardown.run();
  if (failure) {
    if (failure instanceof LiveError) failure.setup = setup;
    if (cleanupErrors.length && failure instanceof Error) failure.message += `; cleanup: ${cleanupErrors.join('; ')}`;
    throw failure;
  }
  return { ...result!, cleanupErrors };
}
