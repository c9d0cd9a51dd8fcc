// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper: a CacheEvent (the cache's bigint emission) as the one entry
 * of an ExpectedQueue, written through the queue's own push() of the
 * equivalent CacheEventI, as the replay's sinkI would.
 */
import { Fork } from '../src/cache/constants.js';
import type { CacheEvent, CacheEventI } from '../src/cache/events.js';
import { emptyMappingI, toMappingI, type Mapping } from '../src/iext/record.js';
import { ExpectedQueue } from '../src/trace/replay/expected.js';
import { toI64 } from '../src/util/int64.js';

export function entryOf(e: CacheEvent, q = new ExpectedQueue()): ExpectedQueue {
  const m = e as CacheEvent & Record<string, unknown>;
  const mapI = (x: unknown) => (x ? toMappingI(emptyMappingI(), x as Mapping) : emptyMappingI());
  const i64 = (x: unknown) => (typeof x === 'bigint' ? toI64(x) : typeof x === 'number' ? x : 0);
  const ev: CacheEventI = {
    name: e.name,
    inode: e.inode,
    isize: e.isize,
    fork: (m.fork as Fork | undefined) ?? Fork.READ,
    state: (m.state as number | undefined) ?? 0,
    leafAddr: (m.leafAddr as number | undefined) ?? 0,
    leafId: (m.leafId as number | undefined) ?? 0,
    pos: i64(m.pos),
    count: i64(m.count),
    offset: i64(m.offset),
    length: i64(m.length),
    cookie: i64(m.cookie),
    lockFlags: (m.lockFlags as number | undefined) ?? 0,
    rec: mapI(m.rec),
    map: mapI(m.map),
    got: mapI(m.got),
  };
  q.push(ev, { connection: e.inode.connection, ino: toI64(e.inode.ino), nodeid: toI64(e.inode.nodeid), isize: toI64(e.isize) });
  return q;
}
