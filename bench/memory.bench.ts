// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heap bytes per extent of a filled cache, against the bytes the kernel
 * would allocate for the same tree.
 *
 * Measured in a child process started with --expose-gc (the parent, which
 * runs under plain `node`, spawns `node --expose-gc --single-threaded-gc
 * --no-concurrent-array-buffer-sweeping memory.bench.js --child N ORDER`:
 * without the last two flags the backing stores of freed typed arrays are
 * released by a background sweeper, after process.memoryUsage() has been
 * read), one child per size and fill order so that one measurement's
 * garbage never leaks into the next. Inside the child: global.gc() twice,
 * process.memoryUsage() heapUsed + arrayBuffers before and after filling,
 * divided by the extent count. Below 100k extents, 100k/N caches are
 * filled and kept at once and the growth divided by all their extents, so
 * that a few kilobytes of unrelated allocation do not swamp the figure
 * (per-cache fixed costs are then included, as they are in the kernel's
 * per-inode figure only through the root leaf).
 *
 * Kernel-equivalent bytes: every live leaf and node is a 256-byte kmalloc
 * (NODE_SIZE), except a height-1 root, which is krealloc'ed to its
 * kmalloc size (ksize). The model's arena counts live leaves and nodes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IomapCache } from '../src/cache/iomap-cache.js';
import type { IextArena } from '../src/iext/arena.js';
import { FUSE_GEOMETRY, XFS_GEOMETRY } from '../src/iext/geometry.js';
import { prng } from '../src/scenario/generate.js';
import { fillModel, fillOracle } from './cache.bench.js';
import type { BenchArgs } from './common.js';
import { shuffle } from './common.js';

export const MEMORY_SIZES = [1_000, 100_000, 1_000_000] as const;
export const MEMORY_ORDERS = ['append', 'random'] as const;
type Order = (typeof MEMORY_ORDERS)[number];

export interface ModelMemory {
  impl: 'model';
  geometry: string;
  extents: number;
  order: Order;
  height: number;
  liveLeaves: number;
  liveNodes: number;
  /** measured heapUsed + arrayBuffers growth per extent */
  bytesPerExtent: number;
  /** (live leaves + live nodes) * 256 (height-1 root: its ksize) per extent */
  kernelBytesPerExtent: number;
  /** bytesPerExtent / kernelBytesPerExtent: the target is <= 2 */
  ratioToKernel: number;
  /** bytesPerExtent / 32 (sizeof(struct fuse_iext_rec)) */
  ratioTo32: number;
  /** typed-array capacity the arena holds, live or not, per extent */
  arenaReservedPerExtent: number;
  /** bytes of one leaf slot / one node slot in the arena's typed arrays */
  leafSlotBytes: number;
  nodeSlotBytes: number;
  /** what the arena's live slots alone take, per extent (no growth slack) */
  arenaLivePerExtent: number;
  /** caches filled and measured together */
  copies: number;
}

export interface OracleMemory {
  impl: 'oracle';
  extents: number;
  order: Order;
  bytesPerExtent: number;
  copies: number;
}

export interface MemoryResult {
  suite: 'memory';
  rows: Array<ModelMemory | OracleMemory>;
}

function heapBytes(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Bytes one leaf slot / one node slot takes in the arena's typed arrays,
 * read off the arena itself (so that added per-record arrays count): the
 * node arrays are keys*, ptrs and nodeId, every other typed array is per
 * leaf; a slot's share is the array's byteLength over the capacity.
 */
function slotBytes(a: IextArena): { leaf: number; node: number } {
  const leafCap = a.prev.length;
  const nodeCap = a.nodeId.length;
  let leaf = 0;
  let node = 0;
  for (const [name, v] of Object.entries(a)) {
    if (!ArrayBuffer.isView(v)) continue;
    if (/^(keys|ptrs|node)/.test(name)) node += v.byteLength / nodeCap;
    else leaf += v.byteLength / leafCap;
  }
  return { leaf, node };
}

function kernelBytes(c: IomapCache): number {
  const t = c.read;
  const a = t.arena;
  if (t.height === 0) return 0;
  if (t.height === 1) return a.leafKsize[t.root];
  return (a.liveLeaves + a.liveNodes) * t.geometry.nodeSize;
}

function measureChild(n: number, order: Order): Array<ModelMemory | OracleMemory> {
  const rows: Array<ModelMemory | OracleMemory> = [];
  const perm = order === 'random' ? shuffle(Array.from({ length: n }, (_, i) => i), prng(0xc0ffee)) : undefined;
  // JIT warm-up so that compiled code does not land in the measurement
  for (const g of [FUSE_GEOMETRY, XFS_GEOMETRY]) fillModel(g, 2000);
  fillOracle(2000);

  const copies = n >= 100_000 ? 1 : Math.ceil(100_000 / n);
  for (const [name, g] of [
    ['fuse', FUSE_GEOMETRY],
    ['xfs', XFS_GEOMETRY],
  ] as const) {
    const before = heapBytes();
    let keep: IomapCache[] | null = [];
    for (let i = 0; i < copies; i++) keep.push(fillModel(g, n, perm));
    const after = heapBytes();
    const c = keep[0];
    const a = c.read.arena;
    const bytes = (after - before) / (n * copies);
    const kernel = kernelBytes(c) / n;
    const slot = slotBytes(a);
    rows.push({
      impl: 'model',
      geometry: name,
      extents: n,
      order,
      height: c.read.height,
      liveLeaves: a.liveLeaves,
      liveNodes: a.liveNodes,
      bytesPerExtent: bytes,
      kernelBytesPerExtent: kernel,
      ratioToKernel: bytes / kernel,
      ratioTo32: bytes / 32,
      arenaReservedPerExtent: a.reservedBytes() / n,
      leafSlotBytes: slot.leaf,
      nodeSlotBytes: slot.node,
      arenaLivePerExtent: (a.liveLeaves * slot.leaf + a.liveNodes * slot.node) / n,
      copies,
    });
    keep = null;
    heapBytes();
  }
  {
    const before = heapBytes();
    let keep: Array<ReturnType<typeof fillOracle>> | null = [];
    for (let i = 0; i < copies; i++) keep.push(fillOracle(n, perm));
    const after = heapBytes();
    rows.push({ impl: 'oracle', extents: n, order, bytesPerExtent: (after - before) / (n * copies), copies });
    keep = null;
    void keep;
  }
  return rows;
}

export function runMemoryBench(args: BenchArgs, log: (s: string) => void): MemoryResult {
  const self = fileURLToPath(import.meta.url);
  const rows: MemoryResult['rows'] = [];
  const orders: readonly Order[] = args.quick ? ['append'] : MEMORY_ORDERS;
  for (const order of orders) {
    for (const n of MEMORY_SIZES) {
      log(`  memory: ${n} extents, ${order} order (child node --expose-gc)`);
      const r = spawnSync(process.execPath, ['--expose-gc', '--single-threaded-gc', '--no-concurrent-array-buffer-sweeping', self, '--child', String(n), order], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (r.status !== 0) throw new Error(`memory child for ${n} ${order} failed (status ${r.status}, signal ${r.signal})`);
      rows.push(...(JSON.parse(r.stdout) as MemoryResult['rows']));
    }
  }
  return { suite: 'memory', rows };
}

// Child mode: node --expose-gc dist/bench/memory.bench.js --child N ORDER
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, n, order] = process.argv.slice(2);
  if (flag !== '--child' || !n || (order !== 'append' && order !== 'random')) {
    process.stderr.write('usage: node --expose-gc dist/bench/memory.bench.js --child N append|random\n');
    process.exit(2);
  }
  if (typeof gc !== 'function') {
    process.stderr.write('memory.bench.js: run node with --expose-gc\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(measureChild(Number(n), order)) + '\n');
}
