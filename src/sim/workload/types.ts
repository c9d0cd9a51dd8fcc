// SPDX-License-Identifier: GPL-2.0-only
/*
 * A workload as the simulator runs it: the files as they exist before the
 * run (laid out on the simulated server, no kernel traffic) and one request
 * stream per application thread. Offsets and lengths are byte numbers
 * (JS numbers: workloads stay far below 2^53).
 */
import type { FallocMode } from './fio.js';

export type Op =
  | { op: 'read' | 'write'; file: number; off: number; len: number; direct: boolean }
  | { op: 'fallocate'; file: number; mode: FallocMode; off: number; len: number }
  | { op: 'truncate'; file: number; size: number }
  | { op: 'open-trunc'; file: number }
  | { op: 'copy'; src: number; dst: number; srcOff: number; dstOff: number; len: number }
  | { op: 'fsync'; file: number }
  /** let background writeback flush this file's dirty data (asynchronously) */
  | { op: 'kick-writeback'; file: number };

export type OpKind = Op['op'];

/**
 * How a file exists when the run starts: `written` = allocated and written
 * (MAPPED), `prealloc` = allocated unwritten (fallocate), `sparse` = a hole
 * of that size (ftruncate), `empty` = size 0.
 */
export type Layout = 'written' | 'prealloc' | 'prealloc-keep' | 'sparse' | 'empty';

export interface FileSetup {
  name: string;
  /** bytes the layout covers */
  size: number;
  layout: Layout;
}

export interface Thread {
  name: string;
  /** threads of a later phase start when every thread of earlier phases ended (fio stonewall) */
  phase: number;
  ops: Op[];
}

export interface Workload {
  name: string;
  files: FileSetup[];
  threads: Thread[];
  /** the server defragments one file after every N application I/Os (0: never) */
  defragEvery?: number;
}
