// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes what the engine asks of the modelled kernel as a kernel scenario
 * (docs/kernel-scenarios.md): the setup, then every ->iomap_begin,
 * revalidation, map_blocks, iomap_end, ioend and hook in the order the
 * scheduler ran them, with the simulated server's answers scripted before
 * each upcall. `iomap-sim run FILE` replays the kernel side of a
 * violation step by step (the server's ground truth is not part of the
 * language: the violation is told in comments).
 */
import type { Mapping } from '../../iext/record.js';
import { FALLOC_MODE_NAMES, IOEND_FLAG_NAMES, IOMAP_OP_NAMES } from '../../iomap/constants.js';
import type { BeginOut } from '../../iomap/iomap.js';

const hex = (x: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(x)).toString(16)}`;

function names(v: number, table: ReadonlyArray<readonly [number, string]>, zero: string): string {
  if (v === 0) return zero;
  const out: string[] = [];
  let rest = v;
  for (const [bit, name] of table) {
    if (v & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push(hex(rest));
  return out.join('|');
}

const half = (prefix: 'read' | 'write', m: Mapping): string =>
  `${prefix}_offset=${hex(m.offset)} ${prefix}_length=${hex(m.length)} ${prefix}_addr=${hex(m.addr)} ${prefix}_type=${m.type} ${prefix}_flags=${hex(m.flags)} ${prefix}_dev=${m.dev}`;

export class KernelScript {
  readonly lines: string[] = [];
  /** server lines for the begin being made */
  private pending: string[] = [];
  private maps = 0;
  private readonly mapNames = new WeakMap<object, string>();

  setup(deviceBytes: number, inodes: Array<{ nodeid: bigint; ino: bigint; isize: number; name: string }>, header: string[]): void {
    for (const h of header) this.lines.push(`# ${h}`);
    this.lines.push('conn', `device 1 size=${deviceBytes}`);
    for (const i of inodes) this.lines.push(`inode nodeid=${i.nodeid} ino=${i.ino} isize=${i.isize} cache=off   # ${i.name}`);
  }

  comment(text: string): void {
    this.lines.push(`# ${text}`);
  }

  /** the server sends an upsert while answering the begin being made */
  serverUpsert(nodeid: bigint, attrIno: bigint, read: Mapping | null, write: Mapping | null): void {
    const parts = [`nodeid=${nodeid} attr_ino=${attrIno}`];
    if (read) parts.push(half('read', read));
    if (write) parts.push(half('write', write));
    this.pending.push(`server upsert ${parts.join(' ')}`);
  }

  /** the server's reply to the begin being made */
  serverReply(out: BeginOut | number, retryType: number): void {
    if (typeof out === 'number') this.pending.push(`server error ${out}`);
    else if (out.read.type === retryType) this.pending.push(`server null offset=${hex(out.read.offset)} length=${hex(out.read.length)}`);
    else {
      const w = out.write;
      this.pending.push(
        `server reply offset=${hex(out.read.offset)} length=${hex(out.read.length)} read_type=${out.read.type} read_addr=${hex(out.read.addr)} read_flags=${hex(out.read.flags)} read_dev=${out.read.dev} write_type=${w.type} write_addr=${hex(w.addr)} write_flags=${hex(w.flags)} write_dev=${w.dev}`,
      );
    }
  }

  private flushServer(): void {
    this.lines.push(...this.pending);
    this.pending = [];
  }

  /** a name for an iomap kept by the scenario */
  nameOf(iomap: object): string {
    let n = this.mapNames.get(iomap);
    if (!n) this.mapNames.set(iomap, (n = `m${++this.maps}`));
    return n;
  }

  begin(nodeid: bigint, pos: number, count: number, opflags: number, iomap: object): void {
    this.flushServer();
    this.lines.push(`begin ${pos} ${count} ${names(opflags, IOMAP_OP_NAMES, 'read')} as=${this.nameOf(iomap)} nodeid=${nodeid}`);
  }

  revalidate(iomap: object): void {
    this.lines.push(`revalidate map=${this.nameOf(iomap)}`);
  }

  end(written: number, iomap: object): void {
    this.lines.push(`end ${written} map=${this.nameOf(iomap)}`);
  }

  writeback(nodeid: bigint, pos: number, len: number, ctx: string, fresh: boolean): void {
    this.flushServer();
    this.lines.push(`writeback ${pos} ${len} ctx=${ctx}${fresh ? ' new=on' : ''} nodeid=${nodeid}`);
  }

  ioend(nodeid: bigint, pos: number, written: number, flags: number): void {
    this.lines.push(`ioend ${pos} ${written}${flags ? ` flags=${names(flags, IOEND_FLAG_NAMES, '')}` : ''} nodeid=${nodeid}`);
  }

  setsize(nodeid: bigint, size: number): void {
    this.lines.push(`setsize ${size} nodeid=${nodeid}`);
  }

  fallocate(nodeid: bigint, mode: number, off: number, len: number): void {
    this.lines.push(`fallocate ${names(mode, FALLOC_MODE_NAMES, 'alloc')} ${off} ${len} nodeid=${nodeid}`);
  }

  openTrunc(nodeid: bigint): void {
    this.lines.push(`open-trunc nodeid=${nodeid}`);
  }

  copyRange(nodeid: bigint, posOut: number, size: number): void {
    this.lines.push(`copy-range ${posOut} ${size} nodeid=${nodeid}`);
  }

  notifyInval(nodeid: bigint, read: { offset: bigint; length: bigint } | null, write: { offset: bigint; length: bigint } | null): void {
    const parts = [`nodeid=${nodeid}`];
    if (read) parts.push(`read_offset=${hex(read.offset)} read_length=${hex(read.length)}`);
    if (write) parts.push(`write_offset=${hex(write.offset)} write_length=${hex(write.length)}`);
    this.lines.push(`notify-inval ${parts.join(' ')}`);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}
