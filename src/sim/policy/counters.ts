// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sequence-counter granularities. The seed keeps one counter per inode
 * (im_seq) and revalidation is the kernel's fuse_iomap_revalidate; the
 * others are counters the simulator keeps beside the cache, bumped by the
 * same tree changes the seed bumps im_seq for (fuse_iext_insert, _remove,
 * _update_extent: their tracepoints), attributed to a fork or a range.
 */
import { FUSE_IEXT_WRITEFORK, Fork } from '../../cache/constants.js';
import type { CacheEvent } from '../../cache/events.js';
import type { Iomap } from '../../iomap/iomap.js';
import type { CounterModel, PolicyInode } from './types.js';

/** The seed: the kernel's own im_seq and fuse_iomap_revalidate. */
export const kernelCounter = (): CounterModel => ({
  kind: 'inode',
  valid: () => undefined,
});

/** Revalidation switched off: every handed-out mapping is believed. */
export const noRevalidation = (): CounterModel => ({
  kind: 'none',
  valid: () => true,
});

const bumpsSeq = (ev: CacheEvent): ev is Extract<CacheEvent, { state: number; rec: unknown }> =>
  ev.name === 'fuse_iext_insert' || ev.name === 'fuse_iext_remove' || ev.name === 'fuse_iext_pre_update';

/** One counter per fork, as XFS has per data/COW fork (if_seq). */
export function perForkCounter(): CounterModel {
  const seqs = new Map<number, [number, number]>();
  const get = (file: number) => {
    let s = seqs.get(file);
    if (!s) seqs.set(file, (s = [0, 0]));
    return s;
  };
  return {
    kind: 'fork',
    onCacheEvent(ino, ev) {
      if (bumpsSeq(ev)) get(ino.file)[ev.state & FUSE_IEXT_WRITEFORK ? Fork.WRITE : Fork.READ]++;
    },
    issue(ino, fork) {
      return { fork, seq: get(ino.file)[fork] };
    },
    valid(ino, _iomap, token) {
      const t = token as { fork: Fork; seq: number };
      return get(ino.file)[t.fork] === t.seq;
    },
  };
}

interface Change {
  stamp: number;
  fork: Fork;
  lo: bigint;
  hi: bigint;
}

/**
 * One counter per byte range: a mapping stays valid until a change
 * overlaps its own range in its fork. Changes are the ranges records were
 * deleted from (fuse_iext_del_mapping) or added to (fuse_iomap_cache_add),
 * and a fork erased whole by the erase-everything shortcut (which the
 * seed's counter misses, SPEC 8.1, but a range counter cannot: the range
 * of a removal is all it looks at).
 */
export function perRangeCounter(): CounterModel {
  const logs = new Map<number, Change[]>();
  const pruned = new Map<number, number>();
  let stamp = 0;
  const log = (file: number) => {
    let l = logs.get(file);
    if (!l) logs.set(file, (l = []));
    return l;
  };
  return {
    kind: 'range',
    onCacheEvent(ino, ev) {
      if (ev.name === 'fuse_iext_del_mapping') {
        const fork = ev.state & FUSE_IEXT_WRITEFORK ? Fork.WRITE : Fork.READ;
        log(ino.file).push({ stamp: ++stamp, fork, lo: ev.map.offset, hi: ev.map.offset + ev.map.length });
      } else if (ev.name === 'fuse_iomap_cache_add') {
        log(ino.file).push({ stamp: ++stamp, fork: ev.fork, lo: ev.map.offset, hi: ev.map.offset + ev.map.length });
      } else if (ev.name === 'fuse_iomap_cache_remove') {
        const cache = ino.inode.cacheOrNull;
        const tree = cache?.forkPtr(ev.fork);
        const maxBytes = ino.inode.maxBytes;
        if (tree && tree.count() > 0 && ev.offset === 0n && ev.length >= maxBytes) log(ino.file).push({ stamp: ++stamp, fork: ev.fork, lo: 0n, hi: 1n << 64n });
      }
    },
    issue(ino, fork, iomap: Iomap) {
      const l = log(ino.file);
      // keep the log short: forget old changes, remembering up to where
      if (l.length > 4096) pruned.set(ino.file, l.splice(0, l.length - 1024).pop()!.stamp);
      return { fork, stamp, lo: iomap.offset, hi: iomap.offset + iomap.length };
    },
    valid(ino, _iomap, token) {
      const t = token as { fork: Fork; stamp: number; lo: bigint; hi: bigint };
      // changes forgotten since the mapping was issued: do not trust it
      if ((pruned.get(ino.file) ?? 0) > t.stamp) return false;
      const l = log(ino.file);
      for (let i = l.length - 1; i >= 0 && l[i].stamp > t.stamp; i--) {
        const c = l[i];
        if (c.fork === t.fork && c.lo < t.hi && t.lo < c.hi) return false;
      }
      return true;
    },
  };
}

/**
 * The seed's counter with SPEC 8.1's fix: the erase-everything shortcut
 * counts as a change too (im_seq plus the number of shortcut erasures).
 */
export function eraseBumpCounter(): CounterModel {
  const erased = new Map<number, number>();
  return {
    kind: 'inode+erase',
    onCacheEvent(ino, ev) {
      if (ev.name !== 'fuse_iomap_cache_remove') return;
      const tree = ino.inode.cacheOrNull?.forkPtr(ev.fork);
      if (tree && tree.count() > 0 && ev.offset === 0n && ev.length >= ino.inode.maxBytes) erased.set(ino.file, (erased.get(ino.file) ?? 0) + 1);
    },
    issue(ino) {
      return { seq: ino.inode.cacheOrNull!.seq, erased: erased.get(ino.file) ?? 0 };
    },
    valid(ino, iomap, token) {
      const t = token as { seq: bigint; erased: number };
      return iomap.validityCookie === ino.inode.cacheOrNull!.seq && t.erased === (erased.get(ino.file) ?? 0);
    },
  };
}

export type { PolicyInode };
