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
import { type Cursor, type Mapping, emptyMapping } from '../../iext/record.js';
import { IextTree } from '../../iext/tree.js';
import { detach } from '../parse/detach.js';
import { NameCounts } from '../parse/name-counts.js';
import type { TraceEvent } from '../parse/line.js';
import type { Fields } from '../schema/types.js';
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
const hex = (v: bigint | number) => '0x' + v.toString(16);
/** A timestamp in µs; the usual seconds.micros (6 digits) read without strings. */
const micros = (ts: string) => {
  const dot = ts.indexOf('.');
  if (ts.length - dot === 7 && dot <= 15) {
    let s = 0;
    for (let i = 0; i < dot; i++) s = s * 10 + (ts.charCodeAt(i) - 48);
    let us = 0;
    for (let i = dot + 1; i < ts.length; i++) us = us * 10 + (ts.charCodeAt(i) - 48);
    return s * 1e6 + us;
  }
  return Number(ts.slice(0, dot)) * 1e6 + Number((ts.slice(dot + 1) + '000000').slice(0, 6)) + Number('0.' + (ts.slice(dot + 7) || '0'));
};

interface PendingSeq {
  fs: ForkState;
  ev: TraceEvent;
  t: number;
  value: bigint;
  /** the model's value for the current fork seq */
  predict: () => bigint;
  field: string;
}

/** xfs_iext_state_to_fork */
function stateToFork(state: number): ForkName {
  if (state & BMAP_COWFORK) return 'cow';
  if (state & BMAP_ATTRFORK) return 'attr';
  return 'data';
}

/** startoff at or above it is negative as the s64 the model keeps */
const SIGN_BIT = 1n << 63n;

/** The record an xfs_iext_class event prints (struct xfs_bmbt_irec). */
function recordOf(f: Fields): Mapping {
  const off = f.startoff as bigint;
  return { offset: off < SIGN_BIT ? off : BigInt.asIntN(64, off), addr: f.startblock as bigint, length: f.blockcount as bigint, type: Number(f.state), flags: 0, dev: 0 };
}

function sameRecord(a: Mapping, b: Mapping): boolean {
  return a.offset === b.offset && a.addr === b.addr && a.length === b.length && a.type === b.type;
}

const showRecord = (m: Mapping) => `fileoff ${hex(BigInt.asUintN(64, m.offset))} startblock ${hex(m.addr)} fsbcount ${hex(m.length)} flag ${m.type}`;

export class XfsReplay {
  private readonly inodes = new Map<string, InodeState>();
  /** the same inodes by dev and ino, so the key is not rebuilt for every event */
  private readonly byDev = new Map<bigint, Map<bigint, InodeState>>();
  /** the inode of the previous event (most events are the same inode's) */
  private last: { dev: bigint; ino: bigint; state: InodeState } | null = null;
  private readonly pointers = new PointerMap();
  private readonly ring: ContextRing;
  private readonly perEvent = new NameCounts();
  /** what feed does with an event, by its index in perEvent */
  private readonly kinds: EventKind[] = [];
  private events = 0;
  private checked = 0;
  private seqChecks = 0;
  private readonly divergent: Divergence[] = [];
  private readonly got = emptyMapping();
  /** timestamp (µs) of the event being replayed */
  private now = 0;
  /** sequence values read outside the lock that the model has not reached yet */
  private readonly pendingSeq: PendingSeq[] = [];
  /** how far apart (µs) a lockless read of if_seq and the mutation it saw may be traced */
  private readonly raceWindow: number;
  /** sequence values that matched only within the race window */
  racedSeqChecks = 0;
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
    this.ring.push(ev.line, ev.raw);
    if (ev.dialect !== 'xfs') return;
    this.now = micros(ev.timestamp);
    this.expireSeq();
    const f = ev.fields;
    const ino = this.inodeOf(f.dev as bigint, f.ino as bigint);
    const kind = this.kinds[i] ?? (this.kinds[i] = kindOf(ev.name));
    if (kind === EventKind.Iext) this.iextEvent(ino, ev);
    else if (kind === EventKind.WbInvalid) this.wbInvalid(ino, ev);
    else if (kind === EventKind.IomapInvalid) this.iomapInvalid(ino, ev);
  }

  private inodeOf(dev: bigint, i: bigint): InodeState {
    const last = this.last;
    if (last !== null && last.dev === dev && last.ino === i) return last.state;
    let byIno = this.byDev.get(dev);
    if (!byIno) this.byDev.set(dev, (byIno = new Map()));
    let ino = byIno.get(i);
    if (!ino) {
      const key = `dev ${dev >> 20n}:${dev & 0xfffffn} ino ${hex(i)}`;
      ino = { key, forks: {} };
      this.inodes.set(key, ino);
      byIno.set(i, ino);
    }
    this.last = { dev, ino: i, state: ino };
    return ino;
  }

  private fork(ino: InodeState, name: ForkName, ev: TraceEvent | null): ForkState {
    let fs = ino.forks[name];
    if (fs) return fs;
    // A fork is seen from its creation when its first event inserts into an
    // empty fork: no left or right neighbour (neither *_VALID bit).
    const state = ev ? Number(ev.fields.bmap_state) : 0;
    const fresh = ev !== null && ev.name === 'xfs_iext_insert' && (state & (BMAP_LEFT_VALID | BMAP_RIGHT_VALID)) === 0 && ev.fields.pos === 0n;
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
  private checkCursor(fs: ForkState, ev: TraceEvent, cur: Cursor): boolean {
    // the slot is a small int: Number() of the field equals it only when the field is it
    if (Number(ev.fields.pos) !== cur.pos) {
      this.diverge(fs, ev, `cursor slot: trace ${ev.fields.pos}, model ${cur.pos}`);
      return false;
    }
    const why = this.pointers.pair(ev.fields.leaf as string, this.block(fs, cur.leaf));
    if (why) {
      this.diverge(fs, ev, `leaf identity: ${why}`);
      return false;
    }
    return true;
  }

  /** The model's cursor on the record the event names (remove, pre_update). */
  private locate(fs: ForkState, ev: TraceEvent, rec: Mapping): Cursor | null {
    const cur: Cursor = { leaf: NULL, pos: 0 };
    if (!fs.tree.lookupExtent(rec.offset, cur, this.got) || !sameRecord(this.got, rec)) {
      const have = fs.tree.count() === 0 ? 'an empty fork' : fs.tree.lookupExtent(rec.offset, cur, this.got) ? showRecord(this.got) : 'nothing there';
      this.diverge(fs, ev, `record: trace ${showRecord(rec)}, model has ${have}`);
      return null;
    }
    return this.checkCursor(fs, ev, cur) ? cur : null;
  }

  private iextEvent(ino: InodeState, ev: TraceEvent): void {
    const state = Number(ev.fields.bmap_state);
    const fs = this.fork(ino, stateToFork(state), ev);
    if (fs.status === 'unknown') {
      fs.unknownEvents++;
      return;
    }
    if (fs.status === 'diverged') return;
    const rec = recordOf(ev.fields);
    const tree = fs.tree;
    switch (ev.name) {
      case 'xfs_iext_insert': {
        const cur = this.insertCursor(fs, ev, rec);
        tree.insertRaw(cur, rec); // xfs_iext_insert: insert_raw, then the tracepoint
        if (!tree.getExtent(cur, this.got) || !sameRecord(this.got, rec)) return this.diverge(fs, ev, `record after insert: trace ${showRecord(rec)}, model ${showRecord(this.got)}`);
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
        tree.updateExtent(state, cur, rec);
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
   * pointer is that leaf's.
   */
  private insertCursor(fs: ForkState, ev: TraceEvent, rec: Mapping): Cursor {
    const tree = fs.tree;
    const cur: Cursor = { leaf: NULL, pos: 0 };
    if (tree.height === 0) return cur;
    tree.lookupExtent(rec.offset, cur, this.got);
    if (cur.pos !== 0 || tree.height === 1) return cur;
    const prev = tree.arena.prev[cur.leaf];
    if (prev === NULL) return cur;
    if (this.pointers.kernelOf(this.block(fs, prev)!) !== ev.fields.leaf) return cur;
    return { leaf: prev, pos: tree.leafNrEntries(prev, 0) };
  }

  /** xfs_iext_inc_seq on the model's fork, remembered for racing readers */
  private bumpSeq(fs: ForkState): void {
    fs.seq = (fs.seq + 1) >>> 0;
    fs.histT.push(this.now);
    fs.histSeq.push(fs.seq);
    while (fs.histT.length - fs.histFrom > 1 && fs.histT[fs.histFrom] < this.now - this.raceWindow) fs.histFrom++;
    // the values before histFrom dropped now and then, not one shift per bump
    if (fs.histFrom >= 256) {
      fs.histT.splice(0, fs.histFrom);
      fs.histSeq.splice(0, fs.histFrom);
      fs.histFrom = 0;
    }
    for (let i = 0; i < this.pendingSeq.length; i++) {
      const p = this.pendingSeq[i];
      if (p.fs === fs && p.predict() === p.value) {
        this.pendingSeq.splice(i--, 1);
        this.seqChecks++;
        this.racedSeqChecks++;
        this.checked++;
      }
    }
  }

  /** Pending reads whose window has passed without the model reaching their value diverge. */
  private expireSeq(final = false): void {
    for (let i = 0; i < this.pendingSeq.length; i++) {
      const p = this.pendingSeq[i];
      if (!final && p.t + this.raceWindow >= this.now) continue;
      this.pendingSeq.splice(i--, 1);
      if (p.fs.status === 'checked') this.diverge(p.fs, p.ev, `${p.field}: trace ${hex(p.value)}, model ${hex(p.predict())} (no value within ${this.raceWindow} µs either side)`);
    }
  }

  /**
   * A sequence value XFS read without the ilock: it equals the model's now,
   * or one the model had (or will have) within the race window, because
   * xfs_iext_inc_seq and the tracepoint of the same mutation are not atomic.
   */
  private checkSeq(fs: ForkState, ev: TraceEvent, field: string, value: bigint, predict: () => bigint, atSeq: (seq: number) => bigint): void {
    if (value === predict()) {
      this.seqChecks++;
      this.checked++;
      return;
    }
    for (let i = fs.histFrom; i < fs.histT.length; i++) {
      if (fs.histT[i] >= this.now - this.raceWindow && atSeq(fs.histSeq[i]) === value) {
        this.seqChecks++;
        this.racedSeqChecks++;
        this.checked++;
        return;
      }
    }
    this.pendingSeq.push({ fs, ev, t: this.now, value, predict, field });
  }

  /** xfs_wb_data_iomap_invalid / xfs_wb_cow_iomap_invalid: forkseq is READ_ONCE(ifp->if_seq). */
  private wbInvalid(ino: InodeState, ev: TraceEvent): void {
    const fs = this.fork(ino, ev.name === 'xfs_wb_cow_iomap_invalid' ? 'cow' : 'data', null);
    if (fs.status !== 'checked') {
      if (fs.status === 'unknown') fs.unknownEvents++;
      return;
    }
    this.checkSeq(fs, ev, 'forkseq', ev.fields.forkseq as bigint, () => BigInt(fs.seq), (seq) => BigInt(seq));
  }

  /** xfs_iomap_invalid: inodeseq is xfs_iomap_inode_sequence() */
  private iomapInvalid(ino: InodeState, ev: TraceEvent): void {
    const flags = Number(ev.fields.flags);
    const xattr = (flags & IOMAP_F_XATTR) !== 0;
    const fs = this.fork(ino, xattr ? 'attr' : 'data', null);
    const cow = !xattr && flags & IOMAP_F_SHARED ? ino.forks.cow : undefined;
    if (fs.status !== 'checked' || (cow && cow.status !== 'checked')) return;
    const high = () => (cow ? BigInt(cow.seq) << 32n : 0n);
    this.checkSeq(fs, ev, 'inodeseq', ev.fields.inodeseq as bigint, () => high() | BigInt(fs.seq), (seq) => high() | BigInt(seq));
  }

  private diverge(fs: ForkState, ev: TraceEvent, what: string): void {
    fs.status = 'diverged';
    this.divergent.push({ line: ev.line, event: ev.name, where: fs.where, what: detach(what), context: this.ring.snapshot() });
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
    };
  }
}
