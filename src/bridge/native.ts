// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native tracefs reader (src/bridge/native, built by node-gyp from
 * binding.gyp): per-CPU raw ring buffers through libtracefs, records
 * decoded by libtraceevent from the kernel's format files, merged in time
 * order. Optional: when the addon is not built, loadNative says what to
 * install and live sessions read trace_pipe text instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceEvent } from '../trace/parse/line.js';
import type { TraceItem } from '../trace/parse/stream.js';
import { schemaFor } from '../trace/schema/registry.js';
import type { Fields } from '../trace/schema/types.js';

export interface NativeEvent {
  system: string;
  name: string;
  cpu: number;
  /** ring-buffer timestamp, ns */
  ts: bigint;
  pid: number;
  /** every field of the format file: numbers as bigint, pointers as 16 hex digits (raw, unhashed) */
  fields: Record<string, bigint | string>;
  /** the TP_printk text libtraceevent renders */
  info: string;
}

export interface NativeReader {
  poll(): { events: NativeEvent[]; missed: number; missedUnknown: boolean };
  close(): void;
}

interface Addon {
  Reader: new (tracingDir: string, instance: string, systems: string[]) => NativeReader;
}

/** The package root (where binding.gyp is), from src/bridge or dist/src/bridge. */
function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, d = resolve(d, '..')) if (existsSync(join(d, 'binding.gyp'))) return d;
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}
const ROOT = packageRoot();
export const ADDON_PATH = join(ROOT, 'build', 'Release', 'iomap_sim_tracefs.node');
export const BUILD_HINT = 'apt-get install libtracefs-dev libtraceevent-dev pkg-config g++ make python3, then npm run build:native';

let cached: Addon | string | undefined;

/** The addon, or why it cannot be loaded (with what to install). */
export function loadNative(): Addon | string {
  if (cached !== undefined) return cached;
  if (!existsSync(ADDON_PATH)) return (cached = `the native tracefs reader is not built (${ADDON_PATH}): ${BUILD_HINT}`);
  try {
    cached = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (e) {
    cached = `the native tracefs reader does not load: ${(e as Error).message}; rebuild it: ${BUILD_HINT}`;
  }
  return cached;
}

/** ns -> "seconds.nanoseconds", as trace-cmd prints it */
function timestamp(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** A native record as the replay's TraceEvent (fields named as in the format file, like the schemas' arguments). */
export function toTraceEvent(ev: NativeEvent, line: number): TraceEvent | null {
  const schema = schemaFor(ev.name);
  if (!schema) return null;
  const fields: Fields = {};
  for (const spec of schema.fields) {
    const v = ev.fields[spec.field];
    if (v !== undefined) fields[spec.field] = typeof v === 'bigint' && spec.decode.kind === 'sym' ? '0x' + BigInt.asUintN(64, v).toString(16) : v;
  }
  const ts = timestamp(ev.ts);
  return { name: ev.name, dialect: schema.dialect, comm: '<...>', pid: ev.pid, cpu: ev.cpu, timestamp: ts, fields, line, raw: `<...>-${ev.pid} [${String(ev.cpu).padStart(3, '0')}] ${ts}: ${ev.name}: ${ev.info}` };
}

/** The text line trace-cmd report would print for it (for captures). */
export function toTextLine(ev: NativeEvent): string {
  return `<...>-${ev.pid} [${String(ev.cpu).padStart(3, '0')}] ${timestamp(ev.ts)}: ${ev.name}: ${ev.info}\n`;
}

/**
 * Time-orders events across polls. Each CPU's records come in order, but a
 * CPU's partly filled ring-buffer page can be withheld from trace_pipe_raw
 * while later events of other CPUs are read: seen for 50 ms, and, on a CPU
 * that logged a few events and went idle, until the end of the session.
 * So events are released in timestamp order only when they are older than
 * the newest timestamp seen minus the window AND not newer than the last
 * event read from any CPU that the kernel says still holds unread entries
 * (per_cpu/cpuN/stats `entries`): that CPU's withheld events can only be
 * later than what was already read from it. Everything goes at the end.
 */
export class NativeMerger {
  private readonly perCpu = new Map<number, NativeEvent[]>();
  /** the last timestamp read from each CPU */
  private readonly lastSeen = new Map<number, bigint>();
  private newest = 0n;
  held = 0;

  constructor(private readonly windowNs = 250_000_000n) {}

  add(events: NativeEvent[]): void {
    for (const e of events) {
      let q = this.perCpu.get(e.cpu);
      if (!q) this.perCpu.set(e.cpu, (q = []));
      q.push(e);
      this.lastSeen.set(e.cpu, e.ts);
      if (e.ts > this.newest) this.newest = e.ts;
    }
    this.held += events.length;
  }

  /**
   * Events safe to release now (all of them when final), oldest first.
   * pending: the CPUs whose ring buffer still holds unread entries.
   */
  *release(final = false, pending: Iterable<number> = []): Generator<NativeEvent> {
    let limit = final ? null : this.newest - this.windowNs;
    if (limit !== null) {
      for (const cpu of pending) {
        // a CPU never read from may hold anything: hold everything
        const seen = this.lastSeen.get(cpu) ?? -1n;
        if (seen < limit) limit = seen;
      }
    }
    const queues = [...this.perCpu.values()];
    const heads = queues.map(() => 0);
    for (;;) {
      let best = -1;
      for (let i = 0; i < queues.length; i++) {
        const e = queues[i][heads[i]];
        if (e && (best < 0 || e.ts < queues[best][heads[best]].ts)) best = i;
      }
      if (best < 0) break;
      const e = queues[best][heads[best]];
      if (limit !== null && e.ts > limit) break;
      heads[best]++;
      this.held--;
      yield e;
    }
    queues.forEach((q, i) => q.splice(0, heads[i]));
  }
}

/** Items for replayItems from one poll (lost markers first), released through the merger. */
export function* pollItems(
  reader: NativeReader,
  counter: { line: number; events: number },
  merger: NativeMerger,
  final = false,
  pendingCpus: () => Iterable<number> = () => [],
): Generator<TraceItem> {
  const batch = reader.poll();
  if (batch.missed > 0 || batch.missedUnknown) yield { kind: 'lost', cpu: -1, count: batch.missedUnknown && !batch.missed ? null : batch.missed, line: counter.line };
  merger.add(batch.events);
  // read after the poll: entries logged since then are at least as new as anything read
  for (const e of merger.release(final, final ? [] : pendingCpus())) {
    const ev = toTraceEvent(e, ++counter.line);
    if (ev) {
      counter.events++;
      yield { kind: 'event', event: ev };
    }
  }
}
