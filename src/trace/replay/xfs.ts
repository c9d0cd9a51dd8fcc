// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay of an xfs-dialect trace: the iext operations the trace shows
 * (xfs_iext_insert, xfs_iext_remove, xfs_bmap_pre/post_update) drive an
 * IextTree in xfs geometry per inode and fork; the model does not model
 * xfs_bmap itself. Checked per event: the record, the cursor slot, the leaf
 * identity through a one-to-one PointerMap, and the sequence counters
 * where XFS prints them (forkseq of xfs_wb_*_iomap_invalid, inodeseq of
 * xfs_iomap_invalid).
 */
import { IextArena, NULL } from '../../iext/arena.js';
import { XFS_GEOMETRY } from '../../iext/geometry.js';
import { type Cursor, type MappingI, emptyMappingI } from '../../iext/record.js';
import { IextTree } from '../../iext/tree.js';
import { type I64, toBig, toI64 } from '../../util/int64.js';
import type { EventBatch } from '../parse/batch.js';
import { detach } from '../parse/detach.js';
import { NameCounts } from '../parse/name-counts.js';
import type { TraceEvent } from '../parse/line.js';
import { micros } from '../parse/timestamp.js';
import type { EventSchema, FieldValue } from '../schema/types.js';
import { PointerMap } from './pointer-map.js';
import { ContextRing, type Divergence, type ReplayReport } from './report.js';

// BMAP_* state bits (fs/xfs/libxfs/xfs_bmap.h)
const BMAP_LEFT_VALID = 1 << 6;
const BMAP_RIGHT_VALID = 1 << 7;
const BMAP_ATTRFORK = 1 << 8;
const BMAP_COWFORK = 1 << 9;
// IOMAP_F_* (include/linux/iomap.h)
const IOMAP_F_SHARED = 0x4;
const IOMAP_F_XATTR = 0x20;

type ForkName = 'data' | 'attr' | 'cow';

interface ForkState {
  where: string;
  /** the PointerMap names of its leaf blocks, by model address (made once) */
  blocks: Map<number, string>;
  tree: IextTree;
  /** if_seq, as the u32 the kernel keeps */
  seq: number;
  status: 'checked' | 'unknown' | 'diverged';
  /** cursor found at xfs_bmap_pre_update, used by the post_update */
  pending: Cursor | null;
  /** the update's seq bump was counted at pre_update (it precedes that tracepoint) */
  preBumped: boolean;
  /** recent (time, seq) values, for readers that raced a mutation on another CPU: from histFrom on */
  histT: number[];
  histSeq: number[];
  histFrom: number;
  unknownEvents: number;
}

interface InodeState {
  key: string;
  forks: Partial<Record<ForkName, ForkState>>;
}

const ITER_EVENTS = new Set(['xfs_iext_insert', 'xfs_iext_remove', 'xfs_bmap_pre_update', 'xfs_bmap_post_update']);
/** what feed does with an event (kindOf its name) */
const EventKind = { Other: 0, Iext: 1, WbInvalid: 2, IomapInvalid: 3 } as const;
type EventKind = (typeof EventKind)[keyof typeof EventKind];
const kindOf = (name: string): EventKind =>
  ITER_EVENTS.has(name) ? EventKind.Iext : name === 'xfs_wb_data_iomap_invalid' || name === 'xfs_wb_cow_iomap_invalid' ? EventKind.WbInvalid : name === 'xfs_iomap_invalid' ? EventKind.IomapInvalid : EventKind.Other;
const hex = (v: I64) => '0x' + v.toString(16);

/**
 * How long (µs) after a lockless read the mutation whose value it saw may
 * still be traced (see bumpSeq): the bump precedes its tracepoint by the
 * time the mutating task spends in between, preemption included. Past
 * this the read diverges.
 */
export const BUMP_LEAD_MICROS = 20_000;

interface PendingSeq {
  fs: ForkState;
  /** inodeseq of a shared mapping: the COW fork whose seq is its high half */
  cow: ForkState | undefined;
  line: number;
  name: string;
  t: number;
  value: I64;
  /** the model's value at the read */
  model: I64;
  field: string;
  /** the trace lines up to this read, for its divergence (decided later, when the ring holds later lines) */
  context: string[];
}

/**
 * The values of the event being replayed that the replay reads, as I64
 * (src/util/int64.ts), from a TraceEvent or straight from a batch row:
 * one object, refilled per event.
 */
interface XfsEvent {
  name: string;
  line: number;
  dev: I64;
  ino: I64;
  /** xfs_iext_class */
  bmapState: number;
  pos: I64;
  leaf: string;
  startoff: I64;
  startblock: I64;
  blockcount: I64;
  state: number;
  /** xfs_wb_*_iomap_invalid, xfs_iomap_invalid */
  forkseq: I64;
  flags: number;
  inodeseq: I64;
}

/** The slots (parse/batch.ts) of the fields an event kind reads, in one schema (-1: not in it; then ok is false). */
interface Slots {
  schema: EventSchema;
  ok: boolean;
  dev: number;
  ino: number;
  bmapState: number;
  pos: number;
  leaf: number;
  startoff: number;
  startblock: number;
  blockcount: number;
  state: number;
  forkseq: number;
  flags: number;
  inodeseq: number;
}

function slotsOf(schema: EventSchema, kind: EventKind): Slots {
  const at = (f: string) => schema.slots.get(f) ?? -1;
  const sl: Slots = {
    schema,
    ok: true,
    dev: at('dev'),
    ino: at('ino'),
    bmapState: at('bmap_state'),
    pos: at('pos'),
    leaf: at('leaf'),
    startoff: at('startoff'),
    startblock: at('startblock'),
    blockcount: at('blockcount'),
    state: at('state'),
    forkseq: at('forkseq'),
    flags: at('flags'),
    inodeseq: at('inodeseq'),
  };
  const need = kind === EventKind.Iext ? [sl.bmapState, sl.pos, sl.leaf, sl.startoff, sl.startblock, sl.blockcount, sl.state] : kind === EventKind.WbInvalid ? [sl.forkseq] : kind === EventKind.IomapInvalid ? [sl.flags, sl.inodeseq] : [];
  sl.ok = [sl.dev, sl.ino, ...need].every((k) => k >= 0) && schema.fields.every((f) => f.field !== 'leaf' || f.decode.kind === 'ptr');
  return sl;
}

/** A TraceEvent field as I64 (the bigint canonical, anything else as it is). */
const i64 = (v: FieldValue | undefined): I64 => (typeof v === 'bigint' ? toI64(v) : (v as unknown as I64));

/** xfs_iext_state_to_fork */
function stateToFork(state: number): ForkName {
  if (state & BMAP_COWFORK) return 'cow';
  if (state & BMAP_ATTRFORK) return 'attr';
  return 'data';
}

/** startoff at or above it is negative as the s64 the model keeps */
const SIGN_BIT = 1n << 63n;

/** The record an xfs_iext_class event prints (struct xfs_bmbt_irec), into out. */
function recordOf(x: XfsEvent, out: MappingI): MappingI {
  const off = x.startoff;
  out.offset = typeof off === 'number' || off < SIGN_BIT ? off : toI64(BigInt.asIntN(64, off));
  out.addr = x.startblock;
  out.length = x.blockcount;
  out.type = x.state;
  out.flags = 0;
  out.dev = 0;
  return out;
}

/** I64 values are canonical: === compares them */
function sameRecord(a: MappingI, b: MappingI): boolean {
  return a.offset === b.offset && a.addr === b.addr && a.length === b.length && a.type === b.type;
}

const showRecord = (m: MappingI) => `fileoff ${hex(BigInt.asUintN(64, toBig(m.offset)))} startblock ${hex(toBig(m.addr))} fsbcount ${hex(toBig(m.length))} flag ${m.type}`;

export class XfsReplay {
  private readonly inodes = new Map<string, InodeState>();
  /** the same inodes by dev and ino, so the key is not rebuilt for every event */
  private readonly byDev = new Map<I64, Map<I64, InodeState>>();
  /** the inode of the previous event (most events are the same inode's) */
  private last: { dev: I64; ino: I64; state: InodeState } | null = null;
  private readonly pointers = new PointerMap();
  private readonly ring: ContextRing;
  private readonly perEvent = new NameCounts();
  /** what feed does with an event, by its index in perEvent */
  private readonly kinds: EventKind[] = [];
  /** where a batch row of each name has its fields (the schema it was made for) */
  private readonly slots: Array<Slots | undefined> = [];
  /** the event being replayed */
  private readonly x: XfsEvent = { name: '', line: 0, dev: 0, ino: 0, bmapState: 0, pos: 0, leaf: '', startoff: 0, startblock: 0, blockcount: 0, state: 0, forkseq: 0, flags: 0, inodeseq: 0 };
  private readonly rec = emptyMappingI();
  private events = 0;
  private checked = 0;
  private seqChecks = 0;
  private readonly divergent: Divergence[] = [];
  private readonly got = emptyMappingI();
  /** timestamp (µs) of the event being replayed */
  private now = 0;
  /** sequence values read outside the lock that the model has not reached yet */
  private readonly pendingSeq: PendingSeq[] = [];
  /** how far apart (µs) a lockless read of if_seq and the mutation it saw may be traced */
  private readonly raceWindow: number;
  /** the task (pid) of the event being replayed, and the time (µs) of that task's previous event (-Infinity: none seen) */
  private pid = NaN;
  private taskBefore = -Infinity;
  /** each task's last event time, but the current task's (pid), which is kept in now until another task's event comes */
  private readonly taskLast = new Map<number, number>();
  /** sequence values that matched only within the race window */
  racedSeqChecks = 0;
  /** the first hashed-pointer collision (ReplayReport.firstPointerCollision) */
  private firstCollision: { line: number; where: string; what: string } | undefined;
  lostEvents = 0;
  lostMarkers = 0;
  problems = 0;

  constructor(private readonly opts: { context?: number; raceWindowMicros?: number } = {}) {
    this.ring = new ContextRing(opts.context ?? 8);
    this.raceWindow = opts.raceWindowMicros ?? 100;
  }

  lost(count: number | null): void {
    this.lostMarkers++;
    this.lostEvents += count ?? 0;
  }

  feed(ev: TraceEvent): void {
    this.events++;
    const i = this.perEvent.add(ev.name);
    this.ring.push(ev.line, ev.raw, 0, ev.raw.length);
    if (ev.dialect !== 'xfs') return;
    this.at(micros(ev.timestamp), ev.pid);
    const f = ev.fields;
    const x = this.x;
    x.name = ev.name;
    x.line = ev.line;
    x.dev = i64(f.dev);
    x.ino = i64(f.ino);
    const kind = this.kinds[i] ?? (this.kinds[i] = kindOf(ev.name));
    if (kind === EventKind.Iext) {
      x.bmapState = Number(f.bmap_state);
      x.pos = i64(f.pos);
      x.leaf = f.leaf as string;
      x.startoff = i64(f.startoff);
      x.startblock = i64(f.startblock);
      x.blockcount = i64(f.blockcount);
      x.state = Number(f.state);
    } else if (kind === EventKind.WbInvalid) x.forkseq = i64(f.forkseq);
    else if (kind === EventKind.IomapInvalid) {
      x.flags = Number(f.flags);
      x.inodeseq = i64(f.inodeseq);
    }
    this.replay(kind);
  }

  /** feed() of row r of a batch (parse/batch.ts), read from its columns: no TraceEvent is made. */
  feedRow(b: EventBatch, r: number): void {
    const schema = b.schema[r]!;
    const i = this.perEvent.addSchema(schema);
    const kind = this.kinds[i] ?? (this.kinds[i] = kindOf(schema.name));
    let sl = this.slots[i];
    if (sl === undefined || sl.schema !== schema) sl = this.slots[i] = slotsOf(schema, kind);
    if (!sl.ok) {
      // not a schema with the fields this replay reads (a fuse event): the object path
      this.perEvent.counts[i]--;
      return this.feed(b.event(r));
    }
    this.events++;
    this.ring.push(b.line[r], b.text[r], b.start[r], b.end[r]);
    if (schema.dialect !== 'xfs') return;
    this.at(b.micros(r), b.pid[r]);
    const x = this.x;
    x.name = schema.name;
    x.line = b.line[r];
    x.dev = b.i64(r, sl.dev);
    x.ino = b.i64(r, sl.ino);
    if (kind === EventKind.Iext) {
      x.bmapState = Number(b.i64(r, sl.bmapState));
      x.pos = b.i64(r, sl.pos);
      x.leaf = b.ptr(r, sl.leaf);
      x.startoff = b.i64(r, sl.startoff);
      x.startblock = b.i64(r, sl.startblock);
      x.blockcount = b.i64(r, sl.blockcount);
      x.state = Number(b.i64(r, sl.state));
    } else if (kind === EventKind.WbInvalid) x.forkseq = b.i64(r, sl.forkseq);
    else if (kind === EventKind.IomapInvalid) {
      x.flags = Number(b.i64(r, sl.flags));
      x.inodeseq = b.i64(r, sl.inodeseq);
    }
    this.replay(kind);
  }

  /** The clock and the task of the next xfs event: now, pid and the task's previous event (taskBefore). */
  private at(t: number, pid: number): void {
    if (pid === this.pid) this.taskBefore = this.now;
    else {
      // one Map write and read per change of task, not per event
      if (this.pid === this.pid) this.taskLast.set(this.pid, this.now);
      this.taskBefore = this.taskLast.get(pid) ?? -Infinity;
      this.pid = pid;
    }
    this.now = t;
    this.expireSeq();
  }

  /** The event in this.x, of an xfs schema. */
  private replay(kind: EventKind): void {
    const x = this.x;
    const ino = this.inodeOf(x.dev, x.ino);
    if (kind === EventKind.Iext) this.iextEvent(ino, x);
    else if (kind === EventKind.WbInvalid) this.wbInvalid(ino, x);
    else if (kind === EventKind.IomapInvalid) this.iomapInvalid(ino, x);
  }

  private inodeOf(dev: I64, i: I64): InodeState {
    const last = this.last;
    if (last !== null && last.dev === dev && last.ino === i) return last.state;
    let byIno = this.byDev.get(dev);
    if (!byIno) this.byDev.set(dev, (byIno = new Map()));
    let ino = byIno.get(i);
    if (!ino) {
      const d = toBig(dev);
      const key = `dev ${d >> 20n}:${d & 0xfffffn} ino ${hex(toBig(i))}`;
      ino = { key, forks: {} };
      this.inodes.set(key, ino);
      byIno.set(i, ino);
    }
    this.last = { dev, ino: i, state: ino };
    return ino;
  }

  private fork(ino: InodeState, name: ForkName, ev: XfsEvent | null): ForkState {
    let fs = ino.forks[name];
    if (fs) return fs;
    // A fork is seen from its creation when its first event inserts into an
    // empty fork: no left or right neighbour (neither *_VALID bit).
    const state = ev ? ev.bmapState : 0;
    const fresh = ev !== null && ev.name === 'xfs_iext_insert' && (state & (BMAP_LEFT_VALID | BMAP_RIGHT_VALID)) === 0 && ev.pos === 0;
    const where = `${ino.key} ${name} fork`;
    const geometry = XFS_GEOMETRY;
    const tree = new IextTree(
      geometry,
      {
        incSeq: () => {
          if (fs!.preBumped) fs!.preBumped = false;
          else this.bumpSeq(fs!); // xfs_iext_inc_seq
        },
        onAlloc: (a) => {
          if (a.kind !== 'leaf') return;
          const gone = a.op === 'free' ? a.addr : a.op === 'realloc' && a.moved ? a.oldAddr : null;
          if (gone === null) return;
          this.pointers.release(`${where}/${gone}`);
          fs!.blocks.delete(gone);
        },
      },
      new IextArena(geometry),
    );
    fs = { where, blocks: new Map(), tree, seq: 0, status: fresh || ev === null ? 'checked' : 'unknown', pending: null, preBumped: false, histT: [], histSeq: [], histFrom: 0, unknownEvents: 0 };
    ino.forks[name] = fs;
    return fs;
  }

  private block(fs: ForkState, leaf: number): string | null {
    if (leaf === NULL) return null;
    const addr = fs.tree.leafAddr(leaf);
    let name = fs.blocks.get(addr);
    if (name === undefined) fs.blocks.set(addr, (name = `${fs.where}/${addr}`));
    return name;
  }

  /** Check the cursor (leaf identity and slot) the kernel printed against the model's. */
  private checkCursor(fs: ForkState, ev: XfsEvent, cur: Cursor): boolean {
    // the slot is a small int: an I64 equals it only when the field is it
    if (ev.pos !== cur.pos) {
      this.diverge(fs, ev, `cursor slot: trace ${ev.pos}, model ${cur.pos}`);
      return false;
    }
    const why = this.pointers.pair(ev.leaf, this.block(fs, cur.leaf));
    if (why) {
      this.diverge(fs, ev, `leaf identity: ${why}`);
      return false;
    }
    if (this.pointers.collisions !== 0 && this.firstCollision === undefined) this.firstCollision = { line: ev.line, where: fs.where, what: this.pointers.lastCollision };
    return true;
  }

  /** The model's cursor on the record the event names (remove, pre_update). */
  private locate(fs: ForkState, ev: XfsEvent, rec: MappingI): Cursor | null {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    if (!fs.tree.lookupExtentI(rec.offset, cur, this.got) || !sameRecord(this.got, rec)) {
      const have = fs.tree.count() === 0 ? 'an empty fork' : fs.tree.lookupExtentI(rec.offset, cur, this.got) ? showRecord(this.got) : 'nothing there';
      this.diverge(fs, ev, `record: trace ${showRecord(rec)}, model has ${have}`);
      return null;
    }
    return this.checkCursor(fs, ev, cur) ? cur : null;
  }

  private iextEvent(ino: InodeState, ev: XfsEvent): void {
    const state = ev.bmapState;
    const fs = this.fork(ino, stateToFork(state), ev);
    if (fs.status === 'unknown') {
      fs.unknownEvents++;
      return;
    }
    if (fs.status === 'diverged') return;
    const rec = recordOf(ev, this.rec);
    const tree = fs.tree;
    switch (ev.name) {
      case 'xfs_iext_insert': {
        const cur = this.insertCursor(fs, ev, rec);
        tree.insertRawI(cur, rec); // xfs_iext_insert: insert_raw, then the tracepoint
        if (!tree.getExtentI(cur, this.got) || !sameRecord(this.got, rec)) return this.diverge(fs, ev, `record after insert: trace ${showRecord(rec)}, model ${showRecord(this.got)}`);
        if (!this.checkCursor(fs, ev, cur)) return;
        break;
      }
      case 'xfs_iext_remove': {
        const cur = this.locate(fs, ev, rec);
        if (!cur) return;
        tree.remove(cur, state); // xfs_iext_remove: the tracepoint fires first
        break;
      }
      case 'xfs_bmap_pre_update': {
        const cur = this.locate(fs, ev, rec);
        if (!cur) return;
        fs.pending = cur;
        // xfs_iext_update_extent bumps if_seq before this tracepoint: other CPUs see it now
        this.bumpSeq(fs);
        fs.preBumped = true;
        break;
      }
      case 'xfs_bmap_post_update': {
        const cur = fs.pending;
        fs.pending = null;
        if (!cur) return this.diverge(fs, ev, 'xfs_bmap_post_update without xfs_bmap_pre_update');
        // xfs_iext_update_extent: seq bump and key update came before pre_update
        tree.updateExtentI(state, cur, rec);
        if (!this.checkCursor(fs, ev, cur)) return;
        break;
      }
    }
    this.checked++;
  }

  /**
   * Where xfs_iext_insert's cursor was before insert_raw. The record's place
   * in key order is known; only when it falls between two leaves (end of one
   * or start of the next) does the kernel's cursor decide. xfs_iext_lookup_extent
   * and xfs_iext_next both step to the start of the next leaf, as the model's
   * lookup does; the end of the previous leaf is taken only when the event's
   * pointer is that leaf's and its slot is not 0.
   */
  private insertCursor(fs: ForkState, ev: XfsEvent, rec: MappingI): Cursor {
    const tree = fs.tree;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    if (tree.height === 0) return cur;
    tree.lookupExtentI(rec.offset, cur, this.got);
    if (cur.pos !== 0 || tree.height === 1) return cur;
    const prev = tree.arena.prev[cur.leaf];
    if (prev === NULL) return cur;
    // the end of the previous leaf is a slot past its last record, never 0: a 0 with that leaf's pointer is a
    // hashed pointer the two leaves share (a collision, pointer-map.ts), or a divergence checkCursor reports
    if (ev.pos === 0 || this.pointers.kernelOf(this.block(fs, prev)!) !== ev.leaf) return cur;
    return { leaf: prev, pos: tree.leafNrEntries(prev, 0) };
  }

  /**
   * xfs_iext_inc_seq on the model's fork, remembered for racing readers.
   * The bump of an insert or an update comes before the tracepoint that
   * shows it (xfs_iext_insert_raw and xfs_iext_update_extent bump first,
   * may allocate or walk the nodes, and trace then; a task can be
   * preempted in between), but after the same task's previous event and
   * after the fork's previous mutation (traced under the same ilock): a
   * reader traced before this tracepoint may have seen the new value from
   * then on (a pending read is matched when then <= its time + the race
   * window).
   */
  private bumpSeq(fs: ForkState): void {
    // xfs_iext_remove traces first and bumps after: its value is not seen before its tracepoint
    const earliest = this.x.name === 'xfs_iext_remove' ? this.now : Math.max(this.taskBefore, fs.histT.length > 0 ? fs.histT[fs.histT.length - 1] : -Infinity);
    fs.seq = (fs.seq + 1) >>> 0;
    fs.histT.push(this.now);
    fs.histSeq.push(fs.seq);
    // keep the value that was current when the window began (set before it, replaced within it)
    while (fs.histT.length - fs.histFrom > 1 && fs.histT[fs.histFrom + 1] < this.now - this.raceWindow) fs.histFrom++;
    // the values before histFrom dropped now and then, not one shift per bump
    if (fs.histFrom >= 256) {
      fs.histT.splice(0, fs.histFrom);
      fs.histSeq.splice(0, fs.histFrom);
      fs.histFrom = 0;
    }
    for (let i = 0; i < this.pendingSeq.length; i++) {
      const p = this.pendingSeq[i];
      if (p.fs === fs && this.seqOf(p.cow, fs.seq) === p.value) {
        this.pendingSeq.splice(i--, 1);
        if (earliest <= p.t + this.raceWindow) {
          this.seqChecks++;
          this.racedSeqChecks++;
          this.checked++;
        } else if (p.fs.status === 'checked')
          this.divergeAt(
            p.fs,
            p.line,
            p.name,
            `${p.field}: trace ${hex(p.value)}, model ${hex(p.model)}, read ${Math.round(this.now - p.t)} µs before the model's mutation to it was traced, which its task (pid ${this.pid}) began no earlier than ${Math.round(earliest - p.t)} µs after the read (race window ${this.raceWindow} µs)`,
            p.context,
          );
      }
    }
  }

  /** Pending reads whose window has passed without the model reaching their value diverge. */
  private expireSeq(final = false): void {
    for (let i = 0; i < this.pendingSeq.length; i++) {
      const p = this.pendingSeq[i];
      if (!final && p.t + this.raceWindow + BUMP_LEAD_MICROS >= this.now) continue;
      this.pendingSeq.splice(i--, 1);
      if (p.fs.status === 'checked')
        this.divergeAt(p.fs, p.line, p.name, `${p.field}: trace ${hex(p.value)}, model ${hex(p.model)} (no value within ${this.raceWindow} µs before, nor a mutation to it traced within ${this.raceWindow + BUMP_LEAD_MICROS} µs after)`, p.context);
    }
  }

  /**
   * A sequence value XFS read without the ilock: it equals the model's now,
   * or one the model had (or will have) within the race window, because
   * xfs_iext_inc_seq and the tracepoint of the same mutation are not atomic.
   */
  private checkSeq(fs: ForkState, cow: ForkState | undefined, ev: XfsEvent, field: string, value: I64): void {
    if (value === this.seqOf(cow, fs.seq)) {
      this.seqChecks++;
      this.checked++;
      return;
    }
    // a value the model held at some moment of the window: set within it, or set before it and replaced within it
    const from = this.now - this.raceWindow;
    for (let i = fs.histFrom; i < fs.histT.length; i++) {
      if ((fs.histT[i] >= from || (i + 1 < fs.histT.length && fs.histT[i + 1] >= from)) && this.seqOf(cow, fs.histSeq[i]) === value) {
        this.seqChecks++;
        this.racedSeqChecks++;
        this.checked++;
        return;
      }
    }
    this.pendingSeq.push({ fs, cow, line: ev.line, name: ev.name, t: this.now, value, model: this.seqOf(cow, fs.seq), field, context: this.ring.snapshot() });
  }

  /** A sequence value the kernel prints for a fork's if_seq seq: itself, or (inodeseq of a shared mapping) with the COW fork's if_seq above it */
  private seqOf(cow: ForkState | undefined, seq: number): I64 {
    if (!cow) return seq;
    const high = cow.seq;
    return high < 2097152 ? high * 4294967296 + seq : toI64((BigInt(high) << 32n) | BigInt(seq));
  }

  /** xfs_wb_data_iomap_invalid / xfs_wb_cow_iomap_invalid: forkseq is READ_ONCE(ifp->if_seq). */
  private wbInvalid(ino: InodeState, ev: XfsEvent): void {
    const fs = this.fork(ino, ev.name === 'xfs_wb_cow_iomap_invalid' ? 'cow' : 'data', null);
    if (fs.status !== 'checked') {
      if (fs.status === 'unknown') fs.unknownEvents++;
      return;
    }
    this.checkSeq(fs, undefined, ev, 'forkseq', ev.forkseq);
  }

  /** xfs_iomap_invalid: inodeseq is xfs_iomap_inode_sequence() */
  private iomapInvalid(ino: InodeState, ev: XfsEvent): void {
    const flags = ev.flags;
    const xattr = (flags & IOMAP_F_XATTR) !== 0;
    const fs = this.fork(ino, xattr ? 'attr' : 'data', null);
    const cow = !xattr && flags & IOMAP_F_SHARED ? ino.forks.cow : undefined;
    if (fs.status !== 'checked' || (cow && cow.status !== 'checked')) return;
    this.checkSeq(fs, cow, ev, 'inodeseq', ev.inodeseq);
  }

  private diverge(fs: ForkState, ev: XfsEvent, what: string): void {
    this.divergeAt(fs, ev.line, ev.name, what);
  }

  private divergeAt(fs: ForkState, line: number, name: string, what: string, context = this.ring.snapshot()): void {
    fs.status = 'diverged';
    this.divergent.push({ line, event: name, where: fs.where, what: detach(what), context });
  }

  finish(): ReplayReport {
    this.expireSeq(true);
    const sorted = [...this.divergent].sort((a, b) => a.line - b.line);
    const unknown: string[] = [];
    let unknownEvents = 0;
    let checkedInodes = 0;
    for (const ino of this.inodes.values()) {
      let any = false;
      for (const fs of Object.values(ino.forks)) {
        if (fs.status === 'unknown') {
          unknown.push(fs.where);
          unknownEvents += fs.unknownEvents;
        } else any = true;
      }
      if (any) checkedInodes++;
    }
    return {
      dialect: 'xfs',
      events: this.events,
      perEvent: this.perEvent.record(),
      checked: this.checked,
      inodesChecked: checkedInodes,
      unknownStart: unknown,
      unknownStartEvents: unknownEvents,
      divergences: this.divergent.length,
      first: sorted[0] ?? null,
      divergent: sorted.map((d) => ({ where: d.where, line: d.line, what: d.what })),
      lostEvents: this.lostEvents,
      lostMarkers: this.lostMarkers,
      problems: this.problems,
      seqChecks: this.seqChecks,
      racedSeqChecks: this.racedSeqChecks,
      ...(this.pointers.collisions ? { pointerCollisions: this.pointers.collisions, firstPointerCollision: this.firstCollision } : {}),
    };
  }
}
