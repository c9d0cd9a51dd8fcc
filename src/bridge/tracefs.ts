// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tracefs instance of our own (instances/NAME): its own ring buffers,
 * events and filters, so that a session never touches the top-level
 * tracer or other users' instances. Mounts tracefs when it is not mounted.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmdirSync, constants as C, writeFileSync } from 'node:fs';
import { LiveError, run } from './system.js';
import type { Teardown } from './teardown.js';

const DEFAULT_ROOT = '/sys/kernel/tracing';

/** Mount points of tracefs, from /proc/mounts (looking at paths could trigger the debugfs automount). */
function tracefsMounts(): string[] {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'tracefs')
      .map((f) => f[1].replace(/\\040/g, ' '));
  } catch {
    return [];
  }
}

/** Where tracefs is mounted; mounts it at /sys/kernel/tracing if nowhere (undone by teardown). */
export function tracefsRoot(teardown: Teardown): string {
  const mounted = tracefsMounts().find((m) => existsSync(`${m}/instances`));
  if (mounted) return mounted;
  const root = DEFAULT_ROOT;
  if (!existsSync(root)) throw new LiveError(`${root} does not exist: this kernel has no tracefs (CONFIG_TRACING)`);
  run('mount', ['-t', 'tracefs', 'nodev', root], 'mounting tracefs');
  teardown.add('unmount tracefs', () => {
    // another session may have found our mount meanwhile: leave it to them
    if (readdirSync(`${root}/instances`).length > 0) return;
    try {
      run('umount', [root], 'unmounting tracefs');
    } catch (e) {
      if (!/busy/i.test((e as Error).message)) throw e;
    }
  });
  if (!existsSync(`${root}/instances`)) throw new LiveError(`tracefs at ${root} has no instances directory`);
  return root;
}

export interface EventSpec {
  system: string;
  event: string;
  /** an ftrace filter expression (events/SYSTEM/EVENT/filter) */
  filter?: string;
}

export class TracefsInstance {
  readonly path: string;
  private pipe = -1;

  private constructor(readonly root: string, readonly name: string) {
    this.path = `${root}/instances/${name}`;
  }

  /** mkdir instances/NAME; removed (rmdir) by teardown. */
  static create(teardown: Teardown, name: string): TracefsInstance {
    const root = tracefsRoot(teardown);
    const inst = new TracefsInstance(root, name);
    try {
      mkdirSync(inst.path);
    } catch (e) {
      throw new LiveError(`creating tracefs instance ${inst.path}: ${(e as Error).message}`);
    }
    teardown.add(`remove tracefs instance ${inst.path}`, () => inst.remove());
    return inst;
  }

  private write(file: string, value: string): void {
    try {
      writeFileSync(`${this.path}/${file}`, value);
    } catch (e) {
      throw new LiveError(`writing '${value}' to ${this.path}/${file}: ${(e as Error).message}`);
    }
  }

  /**
   * The instance's trace clock (trace_clock). The default, local, is a
   * per-CPU clock that need not agree across CPUs, and the replay merges
   * the CPUs' events in timestamp order; global is one clock for all CPUs.
   */
  traceClock(clock: 'global' | 'local' | 'mono'): void {
    this.write('trace_clock', clock);
  }

  /** Ring buffer size per CPU. */
  bufferSizeKb(kb: number): void {
    this.write('buffer_size_kb', String(kb));
  }

  /** The event's format file, or a LiveError when this kernel lacks the event. */
  format(system: string, event: string): string {
    const f = `${this.root}/events/${system}/${event}/format`;
    if (!existsSync(f)) throw new LiveError(`this kernel has no tracepoint ${system}:${event} (${f})`);
    return readFileSync(f, 'utf8');
  }

  enable(ev: EventSpec): void {
    this.format(ev.system, ev.event);
    if (ev.filter) this.write(`events/${ev.system}/${ev.event}/filter`, ev.filter);
    this.write(`events/${ev.system}/${ev.event}/enable`, '1');
  }

  tracingOn(on: boolean): void {
    this.write('tracing_on', on ? '1' : '0');
  }

  /** Open trace_pipe without blocking: reads consume the ring buffer. */
  openPipe(): void {
    this.pipe = openSync(`${this.path}/trace_pipe`, C.O_RDONLY | C.O_NONBLOCK);
  }

  /** Read what trace_pipe has now (null when it is empty). */
  readPipe(buf: Buffer): Buffer | null {
    try {
      const n = readSync(this.pipe, buf, 0, buf.length, null);
      return n > 0 ? Buffer.from(buf.subarray(0, n)) : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return null;
      throw e;
    }
  }

  /** The CPUs whose ring buffer holds entries not read yet (per_cpu/cpuN/stats `entries`). */
  pendingCpus(): number[] {
    const out: number[] = [];
    const dir = `${this.path}/per_cpu`;
    for (const cpu of readdirSync(dir)) {
      const m = /^entries: (\d+)$/m.exec(readFileSync(`${dir}/${cpu}/stats`, 'utf8'));
      if (m && m[1] !== '0') out.push(Number(cpu.slice(3)));
    }
    return out;
  }

  /** Events the ring buffers overwrote or dropped (per_cpu/cpuN/stats). */
  lostEvents(): number {
    let lost = 0;
    const dir = `${this.path}/per_cpu`;
    for (const cpu of readdirSync(dir)) {
      const stats = readFileSync(`${dir}/${cpu}/stats`, 'utf8');
      for (const m of stats.matchAll(/^(overrun|dropped events): (\d+)$/gm)) lost += Number(m[2]);
    }
    return lost;
  }

  remove(): void {
    if (this.pipe >= 0) {
      closeSync(this.pipe);
      this.pipe = -1;
    }
    if (!existsSync(this.path)) return;
    try {
      this.write('tracing_on', '0');
    } catch {
      // removing it anyway
    }
    // rmdir fails with EBUSY while the kernel still holds a reader; retry briefly
    for (let i = 0; ; i++) {
      try {
        rmdirSync(this.path);
        return;
      } catch (e) {
        if (i >= 50 || (e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
}
