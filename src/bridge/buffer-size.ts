// SPDX-License-Identifier: GPL-2.0-only
/*
 * The default per-CPU ring-buffer size of a live session. A 4 GiB fio
 * randwrite at full speed lost 686,842 events with 32 MiB per CPU (the
 * replay fell behind) and none with 256 MiB (docs/live-bridge.md), so the
 * default is 256 MiB per CPU where memory allows: at most a sixteenth of
 * the available memory over all CPUs, and never below the 32 MiB that
 * smaller sessions ran clean with.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export const MIN_DEFAULT_BUFFER_KB = 32 * 1024;
export const MAX_DEFAULT_BUFFER_KB = 256 * 1024;

/** MemAvailable of a /proc/meminfo text, in kB (null when the line is not there) */
export function memAvailableKb(meminfo: string): number | null {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
  return m ? Number(m[1]) : null;
}

/** The default buffer_size_kb for cpuCount CPUs and memAvailableKb of memory (null: unknown, the minimum). */
export function defaultBufferKb(cpuCount: number, availableKb: number | null): number {
  if (availableKb === null || cpuCount < 1) return MIN_DEFAULT_BUFFER_KB;
  const share = Math.floor(availableKb / 16 / cpuCount / 1024) * 1024;
  return Math.min(MAX_DEFAULT_BUFFER_KB, Math.max(MIN_DEFAULT_BUFFER_KB, share));
}

/** defaultBufferKb of this machine */
export function machineDefaultBufferKb(): number {
  let meminfo = '';
  try {
    meminfo = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    // no /proc: the minimum
  }
  // tracefs keeps a buffer per online CPU
  return defaultBufferKb(cpus().length, memAvailableKb(meminfo));
}
