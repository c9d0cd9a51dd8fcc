// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cache's opt-in I64 emission (CacheOptions.sinkI, used by the fuse
 * replay) against its bigint emission (sink): random operations over the
 * full 64-bit range, with the 2^53 and 2^63 edges, all-ones lengths and
 * negative loff_t offsets, under rfc-v3 and v7, debug (check_mapping) and
 * lock events on or off. Every sinkI event, copied into the replay's column
 * queue (expected.ts) at the time it fires, reads back (eventAt) as the
 * sink's event at the same index; both streams have the same length.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import type { CacheEvent } from '../src/cache/events.js';
import { type CachedMapping, IomapCache } from '../src/cache/iomap-cache.js';
import { RFC_V3 } from '../src/cache/revision.js';
import { V7 } from '../src/cache/revision-v7.js';
import { KernelOops, emptyMapping } from '../src/iext/record.js';
import { ExpectedQueue } from '../src/trace/replay/expected.js';
import { toI64 } from '../src/util/int64.js';

const EDGES = [0n, 1n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 0x1000n, 0xffff_ffff_f000n];
/** u64 values: edges, block multiples near each other, anything */
const u64 = fc.oneof(fc.constantFrom(...EDGES), fc.bigInt({ min: 0n, max: 64n }).map((k) => k * 0x1000n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
/** loff_t values: the same bits read signed (negative loff_t among them) */
const s64 = u64.map((v) => BigInt.asIntN(64, v));
const fork = fc.constantFrom(Fork.READ, Fork.WRITE);
const op = fc.oneof(
  fc.record({ op: fc.constant('upsert' as const), fork, offset: s64, length: u64, addr: u64, type: fc.nat(6), flags: fc.nat(0x1ff), dev: fc.nat(3) }),
  fc.record({ op: fc.constant('remove' as const), fork, offset: s64, length: u64 }),
  fc.record({ op: fc.constant('lookup' as const), fork, offset: s64, length: u64 }),
  fc.record({ op: fc.constant('invalidate' as const), offset: s64, length: u64 }),
);

describe('cache sinkI: the I64 emission is the bigint emission', () => {
  for (const revision of [RFC_V3, V7])
    for (const [debug, locks] of [
      [false, false],
      [true, true],
    ] as const)
      it(`${revision.name}${debug ? ', debug and lock events' : ''}: random operations`, () => {
        fc.assert(
          fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (ops, isize) => {
            const big: CacheEvent[] = [];
            const q = new ExpectedQueue();
            const cache = new IomapCache(
              { ids: { connection: 7, ino: (1n << 63n) + 5n, nodeid: (1n << 53n) + 1n }, isize, blockSize: 4096n, maxBytes: 0x7fff_ffff_ffff_ffffn },
              {
                revision,
                debug,
                traceLocks: locks,
                sink: (e) => big.push(e),
                sinkI: (e) => q.push(e, { connection: e.inode.connection, ino: toI64(e.inode.ino), nodeid: toI64(e.inode.nodeid), isize: toI64(e.isize) }),
              },
            );
            cache.enabled = true;
            const mval: CachedMapping = { ...emptyMapping(), validityCookie: 0n };
            for (const o of ops) {
              try {
                if (o.op === 'upsert') cache.cacheUpsert(o.fork, { offset: o.offset, length: o.length, addr: o.addr, type: o.type, flags: o.flags, dev: o.dev });
                else if (o.op === 'remove') cache.cacheRemove(o.fork, o.offset, o.length);
                else if (o.op === 'lookup') cache.cacheLookup(o.fork, o.offset, o.length, mval);
                else cache.invalidateRange(o.offset, o.length);
              } catch (e) {
                // where the modelled kernel would crash or hang the run ends; the events up to there still count
                if (!(e instanceof KernelOops)) throw e;
                break;
              }
            }
            expect(q.length).toBe(big.length);
            for (let i = 0; i < big.length; i++) expect(q.eventAt(q.head + i)).toEqual(big[i]);
          }),
          { numRuns: 300 },
        );
      });

  it('the debug walk of check_mappings stopped by a memory error leaves the same events in both streams', () => {
    // zero-length then overlapping upserts: check_mappings' walk reads the root past its one-record block
    const big: string[] = [];
    const small: string[] = [];
    const cache = new IomapCache(
      { ids: { connection: 7, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: 4096n, maxBytes: 0x7fff_ffff_ffff_ffffn },
      { revision: RFC_V3, debug: true, traceLocks: true, sink: (e) => big.push(e.name), sinkI: (e) => small.push(e.name) },
    );
    cache.enabled = true;
    const map = (offset: bigint, length: bigint) => ({ offset, length, addr: 0n, type: 0, flags: 0, dev: 0 });
    expect(() => {
      cache.cacheUpsert(Fork.READ, map(0n, 0n));
      cache.cacheUpsert(Fork.READ, map(0n, 1n));
      cache.cacheUpsert(Fork.READ, map(-1n, 1n << 63n));
    }).toThrow(KernelOops);
    expect(big.at(-1)).toBe('fuse_iext_check_mapping');
    expect(small).toEqual(big);
  });
});
