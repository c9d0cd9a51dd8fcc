// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native reader's cross-poll merge: a CPU whose events arrive late
 * (its partly filled ring-buffer page withheld) still comes out in time
 * order, events are held only within the window, and the end releases all.
 */
import { describe, expect, it } from 'vitest';
import { type NativeEvent, NativeMerger } from '../src/bridge/native.js';

const ev = (cpu: number, ms: number): NativeEvent => ({ system: 'xfs', name: 'xfs_iext_insert', cpu, ts: BigInt(ms) * 1_000_000n, pid: 1, fields: {}, info: '' });

describe('NativeMerger', () => {
  it('orders a late CPU back into time order', () => {
    const m = new NativeMerger(100_000_000n); // 100 ms
    m.add([ev(1, 10), ev(1, 60), ev(1, 120)]);
    // only what is older than newest - window (120 - 100 = 20 ms) goes out
    expect([...m.release()].map((e) => Number(e.ts / 1_000_000n))).toEqual([10]);
    m.add([ev(0, 5), ev(0, 50), ev(0, 130)]); // CPU 0's page arrives late
    expect([...m.release()].map((e) => [e.cpu, Number(e.ts / 1_000_000n)])).toEqual([[0, 5]]);
    m.add([ev(1, 200)]);
    expect([...m.release()].map((e) => Number(e.ts / 1_000_000n))).toEqual([50, 60]);
    expect(m.held).toBe(3);
    expect([...m.release(true)].map((e) => Number(e.ts / 1_000_000n))).toEqual([120, 130, 200]);
    expect(m.held).toBe(0);
  });

  it('keeps each CPU in its own order and merges equal timestamps stably', () => {
    const m = new NativeMerger(0n);
    m.add([ev(0, 1), ev(1, 1), ev(0, 2), ev(1, 3)]);
    expect([...m.release(true)].map((e) => [e.cpu, Number(e.ts / 1_000_000n)])).toEqual([
      [0, 1],
      [1, 1],
      [0, 2],
      [1, 3],
    ]);
  });

  it('holds everything newer than the last event read from a CPU that still has unread entries, however long', () => {
    const m = new NativeMerger(100_000_000n);
    m.add([ev(1, 10), ev(0, 20)]);
    // CPU 1 went idle with a partly filled page the reader did not get: seconds pass on CPU 0
    m.add([ev(0, 1000), ev(0, 2000), ev(0, 3000)]);
    expect([...m.release(false, [1])].map((e) => [e.cpu, Number(e.ts / 1_000_000n)])).toEqual([[1, 10]]);
    // a CPU with unread entries that was never read from holds everything
    expect([...m.release(false, [1, 2])]).toEqual([]);
    // CPU 1's withheld page comes out: its events go back into time order
    m.add([ev(1, 15), ev(1, 1500)]);
    expect([...m.release(false, [])].map((e) => [e.cpu, Number(e.ts / 1_000_000n)])).toEqual([
      [1, 15],
      [0, 20],
      [0, 1000],
      [1, 1500],
      [0, 2000],
    ]);
    expect([...m.release(true, [1])].map((e) => Number(e.ts / 1_000_000n))).toEqual([3000]);
  });
});
