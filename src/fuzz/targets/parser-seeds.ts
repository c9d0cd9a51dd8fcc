// SPDX-License-Identifier: GPL-2.0-only
/*
 * Well-formed trace lines the `parser` target mutates: every fuse cache
 * tracepoint the model fires for a small scenario (printed by the same
 * writer `iomap-sim run --trace` uses), a few xfs lines in the layout of
 * the live fixture, lost-event markers and header lines.
 */
import type { CacheEvent } from '../../cache/events.js';
import { parseScenario } from '../../scenario/parse.js';
import { runScenario } from '../../scenario/run.js';
import { FtraceTextWriter } from '../../trace/fuse-format.js';

const SCENARIO = `geometry fuse
blocksize 4096
upsert read 0x0 0x3000 0x100000 mapped 0 1
upsert read 0x3000 0x1000 0xffffffffffffffff delalloc dirty 0
add read 0x4000 0x2000 0x104000 mapped merged 1
lookup read 0x1000 0x800
lookup write 0x0 0x1000
upsert write 0x2000 0x2000 0x900000 unwritten new|dirty 1
remove read 0x1000 0x1000
invalidate 0x2000 0x1000
lookup read 0x9000 0x1000
invalidate 0x0 0xffffffffffffffff
`;

const XFS_LINES = [
  '             fio-5909    [001] .....   452.843562: xfs_iext_insert: dev 7:0 ino 0x84 state  cur 00000000d946f679/0 fileoff 0x3dc startblock 0xffffffffe0005 fsbcount 0x1 flag 0 caller xfs_bmap_add_extent_hole_delay.constprop.0+0x94/0x470',
  '             fio-5909    [001] .....   452.843572: xfs_iomap_alloc: dev 7:0 ino 0x84 disize 0x4000000 pos 0x3dc000 bytecount 0x1000 fork data startoff 0x3dc startblock 0xffffffffe0005 fsbcount 0x1',
  '             fio-5909    [001] .....   452.844462: xfs_bmap_pre_update: dev 7:0 ino 0x84 state LC|0xf0 cur 00000000a0f14a56/5 fileoff 0x7ce startblock 0xffffffffe0005 fsbcount 0x1 flag 0 caller xfs_bmap_add_extent_hole_delay.constprop.0+0x229/0x470',
  '             fio-5909    [001] .....   452.844463: xfs_bmap_post_update: dev 7:0 ino 0x84 state LC|0xf0 cur 00000000a0f14a56/5 fileoff 0x7ce startblock 0xffffffffe0005 fsbcount 0x2 flag 0 caller xfs_bmap_add_extent_hole_delay.constprop.0+0x229/0x470',
  '             fio-5909    [001] .....   452.846648: xfs_iext_remove: dev 7:0 ino 0x84 state LC|RC|0xf0 cur 000000006b6d4c7b/6 fileoff 0x379d startblock 0xffffffffe0005 fsbcount 0x1 flag 0 caller xfs_bmap_add_extent_hole_delay.constprop.0+0x41e/0x470',
  '             fio-5909    [000] .....   452.853757: xfs_wb_data_iomap_invalid: dev 7:0 ino 0x84 pos 0xcf000 addr 0x2f000 bytecount 0x2000 type 0x3 flags 0x2 wpcseq 0x822 forkseq 0x832',
];

const OTHER_LINES = ['# tracer: nop', '#', 'CPU:1 [LOST 12 EVENTS]', 'CPU:0 [3 EVENTS DROPPED]', 'cpus=2', 'version = 6', '  kworker/0:1-42    [000] ..... 12.000001: sched_switch: prev_comm=a'];

let cached: string[] | null = null;

/** The seed lines (computed once). */
export function seedLines(): string[] {
  if (cached) return cached;
  const fuse: string[] = [];
  const w = new FtraceTextWriter((line) => fuse.push(line.replace(/\n$/, '')));
  runScenario(parseScenario(SCENARIO, '<parser seeds>'), { sink: (ev: CacheEvent) => w.event(ev), lockEvents: true });
  cached = [...fuse, ...XFS_LINES, ...OTHER_LINES];
  return cached;
}
