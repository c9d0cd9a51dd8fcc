// SPDX-License-Identifier: GPL-2.0-only
/*
 * OracleCache: a simple, obviously-correct reference for the semantics of
 * the fuse-iomap mapping cache (IomapCache, fs/fuse/iomap_cache.c seed 001
 * L8330-8860 and fuse_iomap_cache_invalidate_range L9621-9648).
 *
 * It is written from the *meaning* of the operations, not from the B-tree:
 * each fork is an ordered map offset -> record (sorted-btree), and every
 * operation is expressed as "which records overlap, what is left of them,
 * which neighbours merge". It shares only the merge predicates
 * (canMerge/canMerge3) and the C integer helpers with the model. Tests,
 * fuzzers and benchmarks compare IomapCache against it.
 *
 * What it reproduces exactly:
 *   - return values (0, -EUCLEAN) of add/remove/upsert/invalidateRange and
 *     the HIT/MISS/NOFORK result of lookup, with the trimmed mapping and the
 *     cookie (= seq) a HIT hands out;
 *   - the record lists of both forks, including the addresses of the pieces
 *     a remove leaves behind (MAPPED/UNWRITTEN keep a matching disk address,
 *     every other type gets FUSE_IOMAP_NULL_ADDR for a piece whose front was
 *     cut, as fuse_iext_del_mapping does);
 *   - the sequence counter: the C bumps it once per tree primitive
 *     (insert_raw, remove, update_extent), so
 *       remove: per overlapped record, whole record 1, cut front or tail 1,
 *               punch the middle 2 (update + insert);
 *               erase-everything shortcut (start == 0 && len >= (u64)s_maxbytes
 *               on a non-empty fork: fuse_iext_destroy) 0; no-ops 0;
 *       add:    merge with both neighbours 2, with one 1, plain insert 1,
 *               failure (-EUCLEAN) 0;
 *       lookup and fork creation: 0;
 *   - lazy write-fork creation: the first add to the write fork creates it,
 *     even when that add fails (in the C the kzalloc comes before the
 *     -EUCLEAN check; a freshly created fork is empty, so that add cannot
 *     fail anyway); remove/lookup never create it;
 *   - a record of an unknown type inside a removal range makes remove fail
 *     with -EUCLEAN after the records above it (the C works downwards from
 *     the end of the range) have been dealt with;
 *   - FUSE_IOMAP_INVAL_TO_EOF (~0) as remove length: up to
 *     round_up(s_maxbytes, blocksize), which wraps to 2^63 for
 *     s_maxbytes = LLONG_MAX; nothing when start is at or beyond it;
 *   - invalidateRange's block rounding (the cache taken as enabled) and the
 *     block rounding of lookup's trimming (fuse_iomap_trim, including its
 *     arithmetic when a record is not block-aligned).
 *
 * Domain in which it is exact (the "sane" domain; outside it the C has
 * wrap-arounds, see SPEC 8.2/8.3, that this oracle does not imitate):
 *   - every offset passed in is >= 0 and start + len <= 2^62 (the remove
 *     and lookup lengths may also be FUSE_IOMAP_INVAL_TO_EOF where the
 *     model accepts it); s_maxbytes > 0, blockSize a power of two;
 *   - add/upsert lengths are > 0, so the records of a fork never overlap and
 *     never have length 0; record addresses may be anything (sums wrap as u64);
 *   - offsets and lengths need not be block-aligned.
 */
import BTreeImport from 'sorted-btree';
import {
  EUCLEAN,
  FUSE_IOMAP_INVAL_TO_EOF,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_DELALLOC,
  FUSE_IOMAP_TYPE_HOLE,
  FUSE_IOMAP_TYPE_INLINE,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_PURE_OVERWRITE,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  Fork,
  LookupResult,
} from '../cache/constants.js';
import type { CachedMapping } from '../cache/iomap-cache.js';
import { canMerge, canMerge3 } from '../cache/merge.js';
import { type Mapping, cloneMapping } from '../iext/record.js';
import { roundDownS64, roundUpS64, roundUpU64, s64, u64 } from '../util/int64.js';

// sorted-btree is CommonJS with `exports.default = BTree`: under Node's ESM
// loader the default import is module.exports, under bundler interop it may
// already be the class. Accept both.
type BTreeClass = typeof BTreeImport.default;
const BTree: BTreeClass = ((BTreeImport as unknown as { default?: BTreeClass }).default ?? BTreeImport) as BTreeClass;
type ExtentMap = InstanceType<typeof BTree<bigint, Mapping>>;

const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
const newMap = (): ExtentMap => new BTree<bigint, Mapping>(undefined, cmpBig);

const TWO63 = 1n << 63n;

const isReal = (type: number): boolean => type === FUSE_IOMAP_TYPE_MAPPED || type === FUSE_IOMAP_TYPE_UNWRITTEN;

/** The types fuse_iomap_cache_remove knows how to delete. */
const isRemovable = (type: number): boolean =>
  isReal(type) ||
  type === FUSE_IOMAP_TYPE_HOLE ||
  type === FUSE_IOMAP_TYPE_DELALLOC ||
  type === FUSE_IOMAP_TYPE_INLINE ||
  type === FUSE_IOMAP_TYPE_PURE_OVERWRITE;

export interface OracleOptions {
  /** i_blocksize(inode), a power of two */
  blockSize: bigint;
  /** inode->i_sb->s_maxbytes */
  maxBytes: bigint;
}

export class OracleCache {
  /** im_seq: one per inode, shared by both forks */
  seq = 0n;
  readonly blockSize: bigint;
  readonly maxBytes: bigint;
  private readonly read: ExtentMap = newMap();
  private write: ExtentMap | null = null;

  constructor(opts: OracleOptions) {
    this.blockSize = opts.blockSize;
    this.maxBytes = opts.maxBytes;
  }

  private fork(fork: Fork): ExtentMap | null {
    return fork === Fork.READ ? this.read : this.write;
  }

  private bump(n = 1): void {
    this.seq = u64(this.seq + BigInt(n));
  }

  /** The record covering off, if any. */
  private covering(m: ExtentMap, off: bigint): Mapping | undefined {
    const p = m.getPairOrNextLower(off);
    if (p === undefined) return undefined;
    const rec = p[1];
    return off < rec.offset + rec.length ? rec : undefined;
  }

  /** Add map into a hole of the fork (fuse_iomap_cache_add). */
  add(fork: Fork, map: Mapping): number {
    let m = this.fork(fork);
    if (m === null) m = this.write = newMap(); // created before the hole check
    const off = map.offset;
    const end = off + map.length;
    // The hole check: nothing may overlap [off, off + length).
    if (this.covering(m, off) !== undefined) return -EUCLEAN;
    const after = m.nextHigherPair(off);
    if (after !== undefined && after[1].offset < end) return -EUCLEAN;

    const lp = m.nextLowerPair(off);
    const left = lp?.[1];
    const right = after?.[1];
    const leftContig = left !== undefined && canMerge(left, map);
    const rightContig = right !== undefined && canMerge(map, right) && (!leftContig || canMerge3(left!, map, right));

    if (leftContig && rightContig) {
      // one record from left's start to right's end: remove + update
      m.delete(right!.offset);
      const merged = cloneMapping(left!);
      merged.length = u64(left!.length + map.length + right!.length);
      m.set(merged.offset, merged);
      this.bump(2);
    } else if (leftContig) {
      const merged = cloneMapping(left!);
      merged.length = u64(left!.length + map.length);
      m.set(merged.offset, merged);
      this.bump();
    } else if (rightContig) {
      // right's attributes, new's start and address
      m.delete(right!.offset);
      const merged = cloneMapping(right!);
      merged.offset = map.offset;
      merged.addr = map.addr;
      merged.length = u64(right!.length + map.length);
      m.set(merged.offset, merged);
      this.bump();
    } else {
      m.set(map.offset, cloneMapping(map));
      this.bump();
    }
    return 0;
  }

  /** Drop [start, start + len) from the fork (fuse_iomap_cache_remove). */
  remove(fork: Fork, start: bigint, len: bigint): number {
    const m = this.fork(fork);
    if (m === null || m.size === 0) return 0;
    // Erase-everything shortcut: fuse_iext_destroy, no sequence bump.
    if (start === 0n && len >= u64(this.maxBytes)) {
      m.clear();
      return 0;
    }
    if (len === 0n) return 0;

    let end: bigint;
    if (len === FUSE_IOMAP_INVAL_TO_EOF) {
      // To EOF: round_up(s_maxbytes, blocksize) as a loff_t; LLONG_MIN means 2^63.
      const eof = roundUpS64(this.maxBytes, this.blockSize);
      end = eof < 0n ? TWO63 : eof;
      if (end <= start) return 0;
    } else {
      end = start + len;
    }

    // Every record overlapping [start, end), highest offset first.
    const victims: Mapping[] = [];
    const first = this.covering(m, start);
    if (first !== undefined) victims.push(first);
    m.forRange(start, end, false, (_k, v) => {
      if (v !== first) victims.push(v);
    });
    victims.reverse();

    for (const got of victims) {
      if (!isRemovable(got.type)) return -EUCLEAN;
      const gotEnd = got.offset + got.length;
      const cutStart = got.offset < start ? start : got.offset;
      const cutEnd = gotEnd > end ? end : gotEnd;
      const keepLeft = got.offset < cutStart;
      const keepRight = cutEnd < gotEnd;
      m.delete(got.offset);
      if (keepLeft) {
        const l = cloneMapping(got);
        l.length = cutStart - got.offset;
        m.set(l.offset, l);
      }
      if (keepRight) {
        const r = cloneMapping(got);
        r.offset = cutEnd;
        r.length = gotEnd - cutEnd;
        r.addr = isReal(got.type) ? u64(got.addr + (cutEnd - got.offset)) : FUSE_IOMAP_NULL_ADDR;
        m.set(r.offset, r);
      }
      this.bump(keepLeft && keepRight ? 2 : 1);
    }
    return 0;
  }

  /** Replace the range with map (fuse_iomap_cache_upsert: remove, then add). */
  upsert(fork: Fork, map: Mapping): number {
    const err = this.remove(fork, map.offset, map.length);
    if (err) return err;
    return this.add(fork, map);
  }

  /**
   * The cached mapping at off (fuse_iomap_cache_lookup): on HIT, mval gets
   * the record clipped to the block-rounded request and the cookie seq; on
   * MISS/NOFORK mval is left alone.
   */
  lookup(fork: Fork, off: bigint, len: bigint, mval: CachedMapping): LookupResult {
    const m = this.fork(fork);
    if (m === null) return LookupResult.NOFORK;
    const got = this.covering(m, off);
    if (got === undefined) return LookupResult.MISS;

    // fuse_iomap_trim, in loff_t/u64 arithmetic as the C has it
    const bs = this.blockSize;
    const alignedOff = roundDownS64(off, bs);
    const alignedEnd = roundUpS64(s64(off + len), bs);
    const alignedLen = s64(alignedEnd - alignedOff);
    const rest = s64(got.length - (alignedOff - got.offset));
    mval.addr = isReal(got.type) ? u64(got.addr + (alignedOff - got.offset)) : FUSE_IOMAP_NULL_ADDR;
    mval.offset = alignedOff;
    mval.length = u64(alignedLen < rest ? alignedLen : rest);
    mval.type = got.type;
    mval.flags = got.flags;
    mval.dev = got.dev;
    mval.validityCookie = this.seq;
    return LookupResult.HIT;
  }

  /**
   * Drop [offset, offset + length) rounded out to blocks from both forks
   * (fuse_iomap_cache_invalidate_range with the cache enabled).
   */
  invalidateRange(offset: bigint, length: bigint): number {
    const bs = this.blockSize;
    const alignedOffset = roundDownS64(offset, bs);
    if (length !== FUSE_IOMAP_INVAL_TO_EOF) length = roundUpU64(u64(length + (offset - alignedOffset)), bs);
    const ret = this.remove(Fork.READ, alignedOffset, length);
    const ret2 = this.remove(Fork.WRITE, alignedOffset, length);
    return ret || ret2;
  }

  /** The records of a fork in offset order; null when the write fork was never created. */
  records(fork: Fork): Mapping[] | null {
    const m = this.fork(fork);
    if (m === null) return null;
    return m.valuesArray().map(cloneMapping);
  }

  /** Number of records in a fork (0 when it does not exist). */
  count(fork: Fork): number {
    return this.fork(fork)?.size ?? 0;
  }
}
