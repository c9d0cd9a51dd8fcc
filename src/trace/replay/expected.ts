// SPDX-License-Identifier: GPL-2.0-only
/*
 * The events the model fired that the trace has not shown yet, for one
 * inode, in columns: the cache's I64 emission (CacheOptions.sinkI) is
 * copied into a row of WIDTH doubles (an I64 beyond 2^53 as NaN there and
 * the exact bigint in big at the same index), so the fuse replay compares
 * a parsed row with the model's event number by number (model-fields.ts:
 * agreesEntry) and no event object or bigint is made per event. The
 * CacheEvent of an entry is rebuilt (eventAt) only for the object path and
 * to print a divergence. Leaf blocks the model freed between two events
 * are entries too (FREED), released in order as the comparison reaches them.
 */
import type { CacheEvent, CacheEventI, CacheEventName, InodeIds } from '../../cache/events.js';
import type { Fork } from '../../cache/constants.js';
import type { Mapping, MappingI } from '../../iext/record.js';
import { type I64, toBig } from '../../util/int64.js';

/** Columns of an entry. */
export const COL = {
  NAME: 0,
  CONNECTION: 1,
  INO: 2,
  NODEID: 3,
  ISIZE: 4,
  FORK: 5,
  STATE: 6,
  LEAF_ADDR: 7,
  LEAF_ID: 8,
  POS: 9,
  COUNT: 10,
  OFFSET: 11,
  LENGTH: 12,
  COOKIE: 13,
  LOCK_FLAGS: 14,
  /** rec (fuse_iext_class) or map: offset, length, addr, type, flags, dev */
  MAP: 15,
  /** got (fuse_iomap_cache_lookup_result) */
  GOT: 21,
} as const;
/** A Mapping's members after COL.MAP / COL.GOT. */
export const M_OFFSET = 0;
export const M_LENGTH = 1;
export const M_ADDR = 2;
export const M_TYPE = 3;
export const M_FLAGS = 4;
export const M_DEV = 5;
export const WIDTH = 28;

/** What an event carries besides the inode, by name. */
const enum Kind {
  CURSOR,
  STATE_MAP,
  MAP,
  FORK_MAP,
  REMOVE,
  LOOKUP,
  RESULT,
  INVALIDATE,
  LOCK,
}

/** The names, by the id an entry's NAME column holds (FREED: a released leaf block, -1). */
export const FREED = -1;
const KINDS: ReadonlyArray<readonly [CacheEventName, Kind]> = [
  ['fuse_iext_insert', Kind.CURSOR],
  ['fuse_iext_remove', Kind.CURSOR],
  ['fuse_iext_pre_update', Kind.CURSOR],
  ['fuse_iext_post_update', Kind.CURSOR],
  ['fuse_iext_add_mapping', Kind.STATE_MAP],
  ['fuse_iext_del_mapping', Kind.STATE_MAP],
  ['fuse_iext_add_mapping_left', Kind.MAP],
  ['fuse_iext_add_mapping_right', Kind.MAP],
  ['fuse_iext_del_mapping_got', Kind.MAP],
  ['fuse_iomap_cache_add', Kind.FORK_MAP],
  ['fuse_iext_check_mapping', Kind.FORK_MAP],
  ['fuse_iomap_cache_remove', Kind.REMOVE],
  ['fuse_iomap_cache_lookup', Kind.LOOKUP],
  ['fuse_iomap_cache_lookup_result', Kind.RESULT],
  ['fuse_iomap_cache_invalidate_range', Kind.INVALIDATE],
  ['fuse_iomap_cache_lock', Kind.LOCK],
  ['fuse_iomap_cache_unlock', Kind.LOCK],
];
export const NAMES: readonly CacheEventName[] = KINDS.map(([n]) => n);
const KIND_OF: readonly Kind[] = KINDS.map(([, k]) => k);
const ID_OF = new Map<string, number>(NAMES.map((n, i) => [n, i]));

/** The NAME id of an event name (-1: not one the cache fires). */
export const nameId = (name: string): number => ID_OF.get(name) ?? -1;
/** Whether events of this id print a leaf pointer (fuse_iext_class). */
export const hasLeaf = (id: number): boolean => id >= 0 && KIND_OF[id] === Kind.CURSOR;

/** The inode values every entry carries, as I64 (the replay refreshes them when it sets them). */
export interface InodeI {
  connection: I64;
  ino: I64;
  nodeid: I64;
  isize: I64;
}

export class ExpectedQueue {
  num = new Float64Array(WIDTH * 4);
  big: bigint[] = [];
  /** entries [head, tail) are pending */
  head = 0;
  tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  /** The NAME id of entry e. */
  nameAt(e: number): number {
    return this.num[e * WIDTH];
  }

  /** Column c of entry e as its I64. */
  i64(e: number, c: number): I64 {
    const o = e * WIDTH + c;
    const v = this.num[o];
    return v === v ? v : this.big[o];
  }

  /** Drops the first entry. */
  shift(): void {
    if (++this.head === this.tail) this.head = this.tail = 0;
  }

  /** The offset of a new last entry (room made: pending entries moved to the front, or the columns doubled). */
  private add(): number {
    if ((this.tail + 1) * WIDTH > this.num.length) {
      if (this.head > 0) {
        this.num.copyWithin(0, this.head * WIDTH, this.tail * WIDTH);
        for (let i = 0; i < (this.tail - this.head) * WIDTH; i++) this.big[i] = this.big[this.head * WIDTH + i];
        this.tail -= this.head;
        this.head = 0;
      }
      if ((this.tail + 1) * WIDTH > this.num.length) {
        const n = new Float64Array(this.num.length * 2);
        n.set(this.num);
        this.num = n;
      }
    }
    return this.tail++ * WIDTH;
  }

  private put(o: number, v: I64): void {
    if (typeof v === 'number') this.num[o] = v;
    else {
      this.num[o] = NaN;
      this.big[o] = v;
    }
  }

  private putMap(o: number, m: MappingI): void {
    this.put(o + M_OFFSET, m.offset);
    this.put(o + M_LENGTH, m.length);
    this.put(o + M_ADDR, m.addr);
    const num = this.num;
    num[o + M_TYPE] = m.type;
    num[o + M_FLAGS] = m.flags;
    num[o + M_DEV] = m.dev;
  }

  /** A leaf block the model freed at this point of its events. */
  pushFreed(addr: number): void {
    const o = this.add();
    this.num[o] = FREED;
    this.num[o + COL.LEAF_ADDR] = addr;
  }

  /** The model's event ev (sinkI's, of the inode whose values are inode). */
  push(ev: CacheEventI, inode: InodeI): void {
    const id = ID_OF.get(ev.name)!;
    const o = this.add();
    const num = this.num;
    num[o] = id;
    this.put(o + COL.CONNECTION, inode.connection);
    this.put(o + COL.INO, inode.ino);
    this.put(o + COL.NODEID, inode.nodeid);
    this.put(o + COL.ISIZE, inode.isize);
    switch (KIND_OF[id]) {
      case Kind.CURSOR:
        num[o + COL.STATE] = ev.state;
        num[o + COL.LEAF_ADDR] = ev.leafAddr;
        num[o + COL.LEAF_ID] = ev.leafId;
        num[o + COL.POS] = ev.pos as number;
        this.putMap(o + COL.MAP, ev.rec);
        break;
      case Kind.STATE_MAP:
        num[o + COL.STATE] = ev.state;
        this.putMap(o + COL.MAP, ev.map);
        break;
      case Kind.MAP:
        this.putMap(o + COL.MAP, ev.map);
        break;
      case Kind.FORK_MAP:
        num[o + COL.FORK] = ev.fork;
        this.putMap(o + COL.MAP, ev.map);
        break;
      case Kind.REMOVE:
        num[o + COL.FORK] = ev.fork;
        this.put(o + COL.OFFSET, ev.offset);
        this.put(o + COL.LENGTH, ev.length);
        break;
      case Kind.LOOKUP:
        num[o + COL.FORK] = ev.fork;
        this.put(o + COL.POS, ev.pos);
        this.put(o + COL.COUNT, ev.count);
        break;
      case Kind.RESULT:
        num[o + COL.FORK] = ev.fork;
        this.put(o + COL.POS, ev.pos);
        this.put(o + COL.COUNT, ev.count);
        this.putMap(o + COL.GOT, ev.got);
        this.putMap(o + COL.MAP, ev.map);
        this.put(o + COL.COOKIE, ev.cookie);
        break;
      case Kind.INVALIDATE:
        this.put(o + COL.OFFSET, ev.offset);
        this.put(o + COL.LENGTH, ev.length);
        break;
      case Kind.LOCK:
        num[o + COL.LOCK_FLAGS] = ev.lockFlags;
        break;
    }
  }

  private mapping(e: number, c: number): Mapping {
    const big = (k: number) => toBig(this.i64(e, c + k));
    const num = this.num;
    const o = e * WIDTH + c;
    return { offset: big(M_OFFSET), length: big(M_LENGTH), addr: big(M_ADDR), type: num[o + M_TYPE], flags: num[o + M_FLAGS], dev: num[o + M_DEV] };
  }

  /** Entry e (not FREED) as the CacheEvent the cache's sink gives for it. */
  eventAt(e: number): CacheEvent {
    const id = this.nameAt(e);
    const name = NAMES[id];
    const o = e * WIDTH;
    const num = this.num;
    const big = (c: number) => toBig(this.i64(e, c));
    const inode: InodeIds = { connection: num[o + COL.CONNECTION], ino: big(COL.INO), nodeid: big(COL.NODEID) };
    const base = { inode, isize: big(COL.ISIZE) };
    const fork = num[o + COL.FORK] as Fork;
    switch (KIND_OF[id]) {
      case Kind.CURSOR:
        return { ...base, name: name as 'fuse_iext_insert', state: num[o + COL.STATE], leafAddr: num[o + COL.LEAF_ADDR], leafId: num[o + COL.LEAF_ID], pos: num[o + COL.POS], rec: this.mapping(e, COL.MAP) };
      case Kind.STATE_MAP:
        return { ...base, name: name as 'fuse_iext_add_mapping', state: num[o + COL.STATE], map: this.mapping(e, COL.MAP) };
      case Kind.MAP:
        return { ...base, name: name as 'fuse_iext_add_mapping_left', map: this.mapping(e, COL.MAP) };
      case Kind.FORK_MAP:
        return { ...base, name: name as 'fuse_iomap_cache_add', fork, map: this.mapping(e, COL.MAP) };
      case Kind.REMOVE:
        return { ...base, name: 'fuse_iomap_cache_remove', fork, offset: big(COL.OFFSET), length: big(COL.LENGTH) };
      case Kind.LOOKUP:
        return { ...base, name: 'fuse_iomap_cache_lookup', fork, pos: big(COL.POS), count: big(COL.COUNT) };
      case Kind.RESULT:
        return { ...base, name: 'fuse_iomap_cache_lookup_result', fork, pos: big(COL.POS), count: big(COL.COUNT), got: this.mapping(e, COL.GOT), map: this.mapping(e, COL.MAP), cookie: big(COL.COOKIE) };
      case Kind.INVALIDATE:
        return { ...base, name: 'fuse_iomap_cache_invalidate_range', offset: big(COL.OFFSET), length: big(COL.LENGTH) };
      case Kind.LOCK:
        return { ...base, name: name as 'fuse_iomap_cache_lock', lockFlags: num[o + COL.LOCK_FLAGS] };
    }
  }
}
