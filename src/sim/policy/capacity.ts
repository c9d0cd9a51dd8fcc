// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cache capacity. The seed (rfc-v3) never evicts; these cap the number of
 * cached records per inode or across all inodes and pick victims by LRU or
 * clock (second chance). Recency comes from the cache's events: a lookup
 * hit touches the record it found (lookup_result's got), an add touches
 * the added range. A victim is dropped with the kernel's own
 * fuse_iomap_cache_invalidate_range, so eviction costs what an
 * invalidation costs (sequence bumps included).
 */
import type { CacheEvent } from '../../cache/events.js';
import type { CapacityModel, PolicyInode } from './types.js';

interface Entry {
  ino: PolicyInode;
  offset: bigint;
  length: bigint;
  /** LRU: last touch; clock: reference bit (0/1) */
  mark: number;
}

const recordsOf = (ino: PolicyInode): number => {
  const c = ino.inode.cacheOrNull;
  return c ? c.read.count() + (c.write?.count() ?? 0) : 0;
};

export function extentCap(scope: 'inode' | 'global', maxExtents: number, victim: 'lru' | 'clock'): CapacityModel {
  if (!(Number.isInteger(maxExtents) && maxExtents >= 1)) throw new RangeError(`extent cap ${maxExtents}`);
  // entries keyed by file then record offset (merges leave stale keys; an
  // eviction of a stale key drops whatever is cached there now)
  const entries = new Map<number, Map<bigint, Entry>>();
  const inodes = new Map<number, PolicyInode>();
  let tick = 0;
  // clock hand: position in the flattened entry order
  let hand = 0;

  const touch = (ino: PolicyInode, offset: bigint, length: bigint) => {
    let m = entries.get(ino.file);
    if (!m) {
      entries.set(ino.file, (m = new Map()));
      inodes.set(ino.file, ino);
    }
    const e = m.get(offset);
    if (e) {
      e.length = length;
      e.mark = victim === 'lru' ? ++tick : 1;
    } else m.set(offset, { ino, offset, length, mark: victim === 'lru' ? ++tick : 1 });
  };

  const pick = (files: Iterable<number>): Entry | undefined => {
    const all: Entry[] = [];
    for (const f of files) for (const e of entries.get(f)?.values() ?? []) all.push(e);
    if (all.length === 0) return undefined;
    if (victim === 'lru') return all.reduce((a, b) => (b.mark < a.mark ? b : a));
    // clock: clear reference bits until one is found clear
    for (;;) {
      hand %= all.length;
      const e = all[hand];
      if (e.mark === 0) return e;
      e.mark = 0;
      hand++;
    }
  };

  const total = () => {
    let n = 0;
    for (const ino of inodes.values()) n += recordsOf(ino);
    return n;
  };

  return {
    kind: `${scope}-${victim}-${maxExtents}`,
    onCacheEvent(ino: PolicyInode, ev: CacheEvent) {
      if (ev.name === 'fuse_iomap_cache_lookup_result') touch(ino, ev.got.offset, ev.got.length);
      else if (ev.name === 'fuse_iomap_cache_add') touch(ino, ev.map.offset, ev.map.length);
    },
    afterInsert(ino: PolicyInode) {
      const victims: Array<{ ino: PolicyInode; offset: bigint; length: bigint }> = [];
      const over = () => (scope === 'inode' ? recordsOf(ino) : total()) > maxExtents;
      // each eviction removes at least one record or a stale entry
      for (let guard = 0; over() && guard < 10_000; guard++) {
        const e = pick(scope === 'inode' ? [ino.file] : entries.keys());
        if (!e) break;
        entries.get(e.ino.file)!.delete(e.offset);
        victims.push({ ino: e.ino, offset: e.offset, length: e.length });
        e.ino.inode.cacheOrNull?.invalidateRange(e.offset, e.length);
      }
      return victims;
    },
  };
}
