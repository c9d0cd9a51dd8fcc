// SPDX-License-Identifier: GPL-2.0-only
/*
 * The default per-CPU ring buffer of a live session (src/bridge/buffer-size.ts):
 * 256 MiB where a sixteenth of the available memory over the CPUs allows it,
 * less on smaller machines, never below 32 MiB; MemAvailable read from
 * /proc/meminfo's text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_DEFAULT_BUFFER_KB, MIN_DEFAULT_BUFFER_KB, defaultBufferKb, machineDefaultBufferKb, memAvailableKb } from '../src/bridge/buffer-size.js';

const MEMINFO = 'MemTotal:       24570572 kB\nMemFree:         1024000 kB\nMemAvailable:   22020096 kB\nBuffers:          123 kB\n';

describe('default live ring buffer', () => {
  it('reads MemAvailable, and nothing where the line is missing', () => {
    expect(memAvailableKb(MEMINFO)).toBe(22020096);
    expect(memAvailableKb('MemTotal: 1 kB\n')).toBeNull();
    expect(memAvailableKb('')).toBeNull();
  });

  it('256 MiB per CPU on a machine like CI (2 CPUs, 21 GiB available)', () => {
    expect(MAX_DEFAULT_BUFFER_KB).toBe(262144);
    expect(defaultBufferKb(2, 22020096)).toBe(262144);
  });

  it('a sixteenth of the available memory over the CPUs, in whole MiB, where that is less', () => {
    // 4 GiB available, 8 CPUs: 4194304 / 16 / 8 = 32768 kB
    expect(defaultBufferKb(8, 4194304)).toBe(32768);
    // 6 GiB, 2 CPUs: 196608 kB
    expect(defaultBufferKb(2, 6291456)).toBe(196608);
    // 5,000,000 kB, 2 CPUs: 156250 kB, rounded down to 152 MiB
    expect(defaultBufferKb(2, 5_000_000)).toBe(155648);
  });

  it('never below 32 MiB, and 32 MiB when the memory or the CPUs are unknown', () => {
    expect(MIN_DEFAULT_BUFFER_KB).toBe(32768);
    expect(defaultBufferKb(64, 1048576)).toBe(32768);
    expect(defaultBufferKb(2, null)).toBe(32768);
    expect(defaultBufferKb(0, 22020096)).toBe(32768);
  });

  it('this machine: its own meminfo and CPU count', () => {
    const avail = memAvailableKb(readFileSync('/proc/meminfo', 'utf8'));
    expect(avail).not.toBeNull();
    const got = machineDefaultBufferKb();
    expect(got).toBeGreaterThanOrEqual(MIN_DEFAULT_BUFFER_KB);
    expect(got).toBeLessThanOrEqual(MAX_DEFAULT_BUFFER_KB);
    expect(got % 1024).toBe(0);
  });
});
