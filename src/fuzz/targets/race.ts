// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `race` target: two kernel threads and a fuse server interleaved
 * step by step over one file, on the kernel consumers (src/iomap) and the
 * protocol layer (src/protocol). A thread's ->iomap_begin and the I/O it
 * later issues with that mapping are separate steps, so the server can
 * change the file's blocks in between (unwritten extents converted, blocks
 * moved by copy-on-write, holes punched) and tell the kernel the way a
 * correct server does (an INVAL notification of the range, an UPSERT of
 * the new mapping, or INVAL to EOF), and the kernel can truncate on
 * open(O_TRUNC). Property `no-stale-io`: a mapping that passes
 * revalidation (->iomap_valid, cookie == im_seq) right before the I/O
 * must still say what the server's blocks are now. The interleaving is
 * the generated input, so fast-check shrinks it like any other. (The
 * simulator's own scheduler, src/sim, has no exported entry point yet;
 * this target schedules the steps itself.)
 */
import fc from 'fast-check';
import type { HazardHit } from '../../cache/hazards.js';
import { RFC_V3, type Revision } from '../../cache/revision.js';
import {
  IOMAP_WRITE,
  type Iomap,
  type IomapEnv,
  type KernelInode,
  fuseIomapBegin,
  fuseIomapOpenTruncate,
  iomapValid,
  zeroIomap,
} from '../../iomap/index.js';
import type { BeginIn, BeginOut, IomapIo } from '../../iomap/iomap.js';
import { FuseConn, type FuseInode, beginValidate, notifyIomapInval, notifyIomapUpsert } from '../../protocol/index.js';
import type { Bias, FuzzTarget, Outcome, TargetOptions } from '../target.js';
import type { Finding } from '../violation.js';

const BS = 4096n;
const BLOCKS = 32;
const BASE = 0x100000n;
const NULL_ADDR = 0xffff_ffff_ffff_ffffn;
const TYPE_NULL = 0xfffe;
const HOLE = 0;
const MAPPED = 2;
const UNWRITTEN = 3;

/** One step of the interleaving (also a reproducer line). */
export type RaceOp =
  | { k: 'begin'; t: number; blk: number; write: boolean }
  | { k: 'io'; t: number }
  | { k: 'server'; change: 'convert' | 'move' | 'punch'; blk: number; n: number; tell: 'inval' | 'upsert' | 'inval-eof' }
  | { k: 'trunc' };

export interface RaceInput {
  /** the server upserts and answers NULL (fuse2fs), or answers with the mapping */
  upsertFirst: boolean;
  ops: RaceOp[];
}

export interface RaceCase {
  upsertFirst: boolean;
  ops: RaceOp[];
}

export const RACE_BIAS: Readonly<Bias> = Object.freeze({ begin: 6, io: 6, server: 4, trunc: 1, maxOps: 30 });

/** The server's file: per block, a disk address (null = hole) and whether it is unwritten. */
interface Block {
  addr: bigint | null;
  unwritten: boolean;
}

const typeOf = (b: Block): number => (b.addr === null ? HOLE : b.unwritten ? UNWRITTEN : MAPPED);

/** The extent of like blocks starting at blk (same type, contiguous addresses), at most 8 blocks. */
function extentAt(file: Block[], blk: number): IomapIo {
  const b = file[blk];
  let n = 1;
  while (blk + n < BLOCKS && n < 8) {
    const c = file[blk + n];
    if (typeOf(c) !== typeOf(b)) break;
    if (b.addr !== null && c.addr !== b.addr + BigInt(n) * BS) break;
    n++;
  }
  const real = b.addr !== null;
  return { offset: BigInt(blk) * BS, length: BigInt(n) * BS, addr: real ? b.addr! : NULL_ADDR, type: typeOf(b), flags: 0, dev: real ? 1 : 0 };
}

class RaceRun {
  readonly conn: FuseConn;
  readonly fi: FuseInode;
  readonly inode: KernelInode;
  readonly env: IomapEnv;
  readonly file: Block[] = Array.from({ length: BLOCKS }, (_, i) => ({ addr: BASE + BigInt(i) * BS, unwritten: i % 4 === 3 }));
  private nextAddr = BASE + 0x1000_0000n;
  private readonly held: Array<Iomap | null> = [null, null];
  private hazards: HazardHit[] = [];
  readonly findings: Finding[] = [];
  opIndex = 0;

  constructor(
    revision: Revision,
    private readonly upsertFirst: boolean,
    /** false: the steps only, no revalidation or staleness check (the benchmark's baseline) */
    private readonly check = true,
  ) {
    this.conn = new FuseConn({ revision, blockSize: BS, onHazard: (h) => this.hazards.push(h) });
    this.conn.addDevice({ sizeBytes: 1n << 32n });
    this.fi = this.conn.addInode({ nodeid: 7n, attrIno: 12n, isize: BigInt(BLOCKS) * BS });
    const fi = this.fi;
    this.inode = {
      get cache() {
        return fi.cacheForNotify();
      },
      fileio: true,
      get bad() {
        return fi.bad;
      },
    } as KernelInode;
    const p = this.conn.protocol;
    this.env = {
      conn: { hasDevice: (id) => this.conn.devices.has(id), atomicOTrunc: true },
      server: { begin: (req, nodeid) => this.serverBegin(req, nodeid) },
      validateBegin: (out, ki, _opflags, pos) => beginValidate(p, out, { blockSize: ki.cache.inode.blockSize, maxBytes: ki.cache.inode.maxBytes, cachesIomaps: ki.cache.enabled }, pos),
      onHazard: (h) => this.hazards.push(h),
    };
  }

  /** FUSE_IOMAP_BEGIN: the server's mapping of the block at pos, upserted first (then NULL) or in the reply. */
  private serverBegin(req: BeginIn, nodeid: bigint): BeginOut {
    const blk = Number(req.pos / BS);
    const m = blk < BLOCKS ? extentAt(this.file, blk) : { offset: BigInt(blk) * BS, length: BS, addr: NULL_ADDR, type: HOLE, flags: 0, dev: 0 };
    const nullHalf: IomapIo = { offset: m.offset, length: m.length, addr: NULL_ADDR, type: TYPE_NULL, flags: 0, dev: 0 };
    if (this.upsertFirst) {
      notifyIomapUpsert(this.conn, { nodeid, attrIno: 12n, read: m, write: { ...nullHalf } });
      return { read: nullHalf, write: { ...nullHalf } };
    }
    return { read: m, write: { ...nullHalf } };
  }

  exec(o: RaceOp): void {
    switch (o.k) {
      case 'begin': {
        const iomap = zeroIomap();
        const srcmap = zeroIomap();
        const r = fuseIomapBegin(this.env, this.inode, BigInt(o.blk) * BS, BS, o.write ? IOMAP_WRITE : 0, iomap, srcmap);
        this.held[o.t] = r.ret === 0 ? iomap : null;
        break;
      }
      case 'io': {
        const m = this.held[o.t];
        this.held[o.t] = null;
        if (!m || !this.check) break;
        // iomap core revalidates mappings that came with folio_ops; without them there is nothing to revalidate against
        const v = iomapValid(this.env, this.inode, m);
        if (!v.checked || !v.valid) break;
        const stale = this.staleness(m);
        if (stale) this.violated(`thread ${o.t}: revalidated mapping ${m.offset.toString(16)}+${m.length.toString(16)} addr ${m.addr.toString(16)} type ${m.type} cookie ${m.validityCookie}, but ${stale}`);
        break;
      }
      case 'server':
        this.serverChange(o);
        break;
      case 'trunc':
        // open(O_TRUNC): the server truncates (every block a hole), the kernel invalidates to EOF
        for (const b of this.file) b.addr = null;
        fuseIomapOpenTruncate(this.env, this.inode, true);
        break;
    }
  }

  private serverChange(o: Extract<RaceOp, { k: 'server' }>): void {
    const from = Math.min(o.blk, BLOCKS - 1);
    const n = Math.min(o.n, BLOCKS - from);
    for (let i = from; i < from + n; i++) {
      const b = this.file[i];
      if (o.change === 'convert') b.unwritten = false;
      else if (o.change === 'punch') b.addr = null;
      else {
        b.addr = this.nextAddr;
        this.nextAddr += BS;
      }
    }
    const off = BigInt(from) * BS;
    const len = BigInt(n) * BS;
    if (o.tell === 'inval') notifyIomapInval(this.conn, { nodeid: 7n, attrIno: 12n, read: { offset: off, length: len }, write: { offset: 0n, length: 0n } });
    else if (o.tell === 'inval-eof') notifyIomapInval(this.conn, { nodeid: 7n, attrIno: 12n, read: { offset: 0n, length: 0xffff_ffff_ffff_ffffn }, write: { offset: 0n, length: 0n } });
    else {
      // tell by upserting the new mappings of the range
      for (let i = from; i < from + n; ) {
        const m = extentAt(this.file, i);
        const len2 = Number(m.length / BS);
        const cut = Math.min(len2, from + n - i);
        notifyIomapUpsert(this.conn, { nodeid: 7n, attrIno: 12n, read: { ...m, length: BigInt(cut) * BS }, write: { offset: m.offset, length: BS, addr: NULL_ADDR, type: TYPE_NULL, flags: 0, dev: 0 } });
        i += cut;
      }
    }
  }

  /** How the mapping disagrees with the server's blocks, or null. */
  private staleness(m: Iomap): string | null {
    const first = Number(m.offset / BS);
    const n = Number(m.length / BS);
    for (let i = first; i < first + n && i < BLOCKS; i++) {
      const b = this.file[i];
      const want = typeOf(b);
      if (m.type !== want) return `block ${i} is now ${want === HOLE ? 'a hole' : want === UNWRITTEN ? 'unwritten' : 'written'} (type ${want})`;
      if (b.addr !== null && m.addr + BigInt(i - first) * BS !== b.addr) return `block ${i} now lives at ${b.addr.toString(16)}`;
    }
    return null;
  }

  private violated(what: string): void {
    // the hazards that can make a stale mapping pass, most direct first; then any other but the harmless attr_ino one
    const hit =
      STALE_CAUSES.map((id) => this.hazards.find((h) => h.hazard.id === id)).find((h) => h !== undefined) ?? this.hazards.find((h) => !NOT_CAUSES.has(h.hazard.id));
    if (hit) {
      this.findings.push({ property: 'no-stale-io', hazard: hit.hazard.id, message: `${what} (${hit.detail})`, opIndex: this.opIndex });
      return;
    }
    throw new StaleIo(`${what} (step #${this.opIndex})`);
  }

  /** hazards count from the thread's begin to its I/O: forget older ones when nothing is held */
  endStep(): void {
    if (this.held.every((h) => h === null)) this.hazards = [];
  }
}

const STALE_CAUSES = ['erase-all-no-seq-bump', 'write-null-leak', 'partial-fill-survives', 'writeback-uninit-cookie', 'remove-end-overflow'];
/** hazards that explain nothing here: a harmless one, and a symptom the model reports for any stale revalidation */
const NOT_CAUSES = new Set(['inval-ignores-attr-ino', 'stale-mapping-revalidated']);

class StaleIo extends Error {}

/** The case's steps on the kernel model with nothing checked (bench/fuzz.bench.ts's baseline). */
export function runRaceBare(c: RaceCase, revision: Revision = RFC_V3): void {
  const run = new RaceRun(revision, c.upsertFirst, false);
  for (const o of c.ops) run.exec(o);
}

export class RaceTarget implements FuzzTarget<RaceInput, RaceCase> {
  readonly name = 'race' as const;
  readonly ext = '.race' as const;
  readonly defaultBias = RACE_BIAS;
  readonly coverageFiles = ['src/iomap/begin.js', 'src/iomap/try-cache.js', 'src/iomap/revalidate.js', 'src/iomap/hooks.js', 'src/protocol/notify.js'];
  readonly revision: Revision;

  constructor(opts: TargetOptions) {
    this.revision = opts.revision === RFC_V3 ? RFC_V3 : opts.revision;
  }

  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<RaceInput> {
    const t = fc.integer({ min: 0, max: 1 });
    const op: fc.Arbitrary<RaceOp> = fc.oneof(
      { weight: bias.begin ?? 6, arbitrary: fc.record({ k: fc.constant<'begin'>('begin'), t, blk: fc.nat(BLOCKS - 1), write: fc.boolean() }) },
      { weight: bias.io ?? 6, arbitrary: fc.record({ k: fc.constant<'io'>('io'), t }) },
      {
        weight: bias.server ?? 4,
        arbitrary: fc.record({
          k: fc.constant<'server'>('server'),
          change: fc.constantFrom<'convert' | 'move' | 'punch'>('convert', 'move', 'punch'),
          blk: fc.nat(BLOCKS - 1),
          n: fc.integer({ min: 1, max: 6 }),
          tell: fc.constantFrom<'inval' | 'upsert' | 'inval-eof'>('inval', 'inval', 'upsert', 'inval-eof'),
        }),
      },
      { weight: bias.trunc ?? 1, arbitrary: fc.constant<RaceOp>({ k: 'trunc' }) },
    );
    return fc.record({ upsertFirst: fc.boolean(), ops: fc.array(op, { minLength: 1, maxLength: bias.maxOps ?? 30 }) });
  }

  runInput(input: RaceInput): { outcome: Outcome; case: RaceCase } {
    const c: RaceCase = { upsertFirst: input.upsertFirst, ops: input.ops };
    return { outcome: this.runCase(c), case: c };
  }

  runCase(c: RaceCase): Outcome {
    const run = new RaceRun(this.revision, c.upsertFirst);
    try {
      for (run.opIndex = 0; run.opIndex < c.ops.length; run.opIndex++) {
        run.exec(c.ops[run.opIndex]);
        run.endStep();
      }
      return { failure: null, findings: run.findings };
    } catch (e) {
      if (e instanceof StaleIo) return { failure: { property: 'no-stale-io', message: e.message, opIndex: run.opIndex }, findings: run.findings };
      return { failure: { property: 'no-crash', message: `threw ${(e as Error).stack ?? e}`, opIndex: run.opIndex }, findings: run.findings };
    }
  }

  size(c: RaceCase): number {
    return c.ops.length;
  }

  without(c: RaceCase, from: number, to: number): RaceCase {
    return { upsertFirst: c.upsertFirst, ops: [...c.ops.slice(0, from), ...c.ops.slice(to)] };
  }

  /** `server upsert-first|reply`, then one step a line */
  format(c: RaceCase): string {
    const line = (o: RaceOp): string =>
      o.k === 'begin' ? `begin ${o.t} ${o.blk} ${o.write ? 'write' : 'read'}` : o.k === 'io' ? `io ${o.t}` : o.k === 'server' ? `server ${o.change} ${o.blk} ${o.n} ${o.tell}` : 'trunc';
    return [`server ${c.upsertFirst ? 'upsert-first' : 'reply'}`, ...c.ops.map(line)].join('\n') + '\n';
  }

  parse(body: Buffer, file: string): RaceCase {
    let upsertFirst: boolean | null = null;
    const ops: RaceOp[] = [];
    body
      .toString('utf8')
      .split('\n')
      .forEach((raw, i) => {
        const w = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
        if (!w.length) return;
        const bad = (): never => {
          throw new Error(`${file}:${i + 1}: cannot read '${raw.trim()}' (begin T BLK read|write, io T, server CHANGE BLK N TELL, trunc)`);
        };
        const int = (s: string, max: number): number => (/^\d+$/.test(s) && Number(s) <= max ? Number(s) : bad());
        if (w[0] === 'server' && w.length === 2) upsertFirst = w[1] === 'upsert-first' ? true : w[1] === 'reply' ? false : bad();
        else if (w[0] === 'begin' && w.length === 4) ops.push({ k: 'begin', t: int(w[1], 1), blk: int(w[2], BLOCKS - 1), write: w[3] === 'write' ? true : w[3] === 'read' ? false : bad() });
        else if (w[0] === 'io' && w.length === 2) ops.push({ k: 'io', t: int(w[1], 1) });
        else if (w[0] === 'server' && w.length === 5 && ['convert', 'move', 'punch'].includes(w[1]) && ['inval', 'upsert', 'inval-eof'].includes(w[4]))
          ops.push({ k: 'server', change: w[1] as 'convert', blk: int(w[2], BLOCKS - 1), n: int(w[3], BLOCKS), tell: w[4] as 'inval' });
        else if (w[0] === 'trunc' && w.length === 1) ops.push({ k: 'trunc' });
        else bad();
      });
    if (upsertFirst === null) throw new Error(`${file}: no 'server upsert-first|reply' line`);
    return { upsertFirst, ops };
  }
}
