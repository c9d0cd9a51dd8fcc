// SPDX-License-Identifier: GPL-2.0-only
/*
 * The v7 cache revision (PATCHSET v7 7/9, 23 Feb 2026) and the later
 * v7-tree, each behaviour checked against what the v7 C does. The C
 * function each test follows is named in it; docs/revisions.md has the
 * references. rfc-v3 runs beside it where the difference shows.
 */
import { describe, expect, it } from 'vitest';
import { Fork, LookupResult } from '../src/cache/constants.js';
import type { CacheEvent, RevisionEvent } from '../src/cache/events.js';
import { type CachedMapping, IomapCache } from '../src/cache/iomap-cache.js';
import { RFC_V3, type Revision, resolveRevision, revisionByName } from '../src/cache/revision.js';
import { V7, V7_TREE, V7_TYPE_PURE_OVERWRITE, v7NextSeq } from '../src/cache/revision-v7.js';
import type { Mapping } from '../src/iext/record.js';
import { formatOut } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';

const MAPPED = 2;
const HOLE = 0;
const V3_OVERWRITE = 0xffff;
const S64_MAX = 0x7fff_ffff_ffff_ffffn;

const inode = () => ({ ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: 4096n, maxBytes: S64_MAX });
const map = (offset: bigint, length: bigint, addr: bigint, type = MAPPED, flags = 0, dev = 1): Mapping => ({ offset, length, addr, type, flags, dev });
const mval = (): CachedMapping => ({ addr: 0n, offset: 0n, length: 0n, type: 0, flags: 0, dev: 0, validityCookie: 0n });

function cacheOf(revision: Revision, extra: Partial<ConstructorParameters<typeof IomapCache>[1]> = {}) {
  const events: CacheEvent[] = [];
  const revEvents: RevisionEvent[] = [];
  const cache = new IomapCache(inode(), { revision, sink: (e) => events.push(e), revisionSink: (e) => revEvents.push(e), ...extra });
  cache.enabled = true;
  return { cache, events, revEvents };
}

/** The .out text of a scenario run under its own `revision` line. */
const out = (text: string): string => {
  let s = '';
  runScenario(parseScenario(text), { onResult: (r) => (s += formatOut(r)) });
  return s;
};

describe('registry', () => {
  it('v7 and v7-tree are registered by name; rfc-v3 stays the default and unchanged', () => {
    expect(revisionByName('v7')).toBe(V7);
    expect(revisionByName('v7-tree')).toBe(V7_TREE);
    const v3 = resolveRevision(RFC_V3);
    expect([v3.initialSeq, v3.trimLookup, v3.cacheSizeCap, v3.pureOverwriteType, v3.unsignedRecordOffsets]).toEqual([0n, true, null, 0xffff, false]);
  });

  it('a Revision literal without the new fields behaves as rfc-v3', () => {
    const old: Revision = { name: 'old', description: '', initialSeq: 0n, nextSeq: RFC_V3.nextSeq, trimLookup: true };
    const { cache } = cacheOf(old);
    expect(cache.cacheMaxBytes).toBeNull();
    expect(cache.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0n, V3_OVERWRITE, 0, 0))).toBe(0);
    expect(cache.write?.count()).toBe(1);
  });
});

describe('sequence counter (fuse_iext_inc_seq, FUSE_IOMAP_INIT_COOKIE)', () => {
  it('starts at 1 in v7 (fuse_iomap_cache_alloc sets ic_seq = FUSE_IOMAP_INIT_COOKIE), at 0 in rfc-v3', () => {
    expect(cacheOf(V7).cache.seq).toBe(1n);
    expect(cacheOf(RFC_V3).cache.seq).toBe(0n);
  });

  it('skips FUSE_IOMAP_ALWAYS_VALID (0) on wrap: 2^64-1 + 1 becomes 1, not 0', () => {
    expect(v7NextSeq(0xffff_ffff_ffff_ffffn)).toBe(1n);
    expect(v7NextSeq(1n)).toBe(2n);
    const v7 = cacheOf(V7).cache;
    const v3 = cacheOf(RFC_V3).cache;
    for (const c of [v7, v3]) {
      c.seq = 0xffff_ffff_ffff_ffffn;
      expect(c.cacheUpsert(Fork.READ, map(0n, 0x1000n, 0x8000n))).toBe(0); // one insert: one bump
    }
    expect(v7.seq).toBe(1n);
    expect(v3.seq).toBe(0n);
    // a cache hit can therefore never carry the "always valid" cookie in v7
    const m = mval();
    expect(v7.cacheLookup(Fork.READ, 0n, 0x1000n, m)).toBe(LookupResult.HIT);
    expect(m.validityCookie).toBe(1n);
    expect(v3.cacheLookup(Fork.READ, 0n, 0x1000n, m)).toBe(LookupResult.HIT);
    expect(m.validityCookie).toBe(0n);
  });

  it('hand-worked scenario: two upserts, the second merging, give seq 2 then 3 (one insert, one update)', () => {
    // v7: ic_seq = 1; upsert #1 inserts (inc_seq -> 2); upsert #2 is
    // contiguous with #1 (addr 0x8000+0x1000 = 0x9000), so add_mapping takes
    // LEFT_CONTIG and fuse_iext_update_extent bumps once (-> 3).
    const text = 'revision v7\nupsert read 0 0x1000 0x8000 mapped 0 1\nupsert read 0x1000 0x1000 0x9000 mapped 0 1\nlookup read 0x1000 1\n';
    expect(out(text)).toBe('upsert 0 seq 2\nupsert 0 seq 3\nhit 1000+1000 addr 9000 type 2 flags 0 dev 1 cookie 3\n');
    expect(out(text.replace('revision v7', 'revision rfc-v3'))).toBe('upsert 0 seq 1\nupsert 0 seq 2\nhit 1000+1000 addr 9000 type 2 flags 0 dev 1 cookie 2\n');
  });
});

describe('lookup (fuse_iomap_trim)', () => {
  // record [0, 0x4000) at 0x10000; request 0x1800+0x800 rounds to [0x1000, 0x2000)
  const text = (rev: string) => `revision ${rev}\nupsert read 0 0x4000 0x10000 mapped 0 1\nlookup read 0x1800 0x800\n`;

  it('v7 as posted still trims to the block-rounded request (patch 01/12 fuse_iomap_trim)', () => {
    expect(out(text('v7'))).toBe('upsert 0 seq 2\nhit 1000+1000 addr 11000 type 2 flags 0 dev 1 cookie 2\n');
  });

  it('v7-tree returns the whole cached record (mirror commit 0887048f fuse_iomap_trim)', () => {
    expect(out(text('v7-tree'))).toBe('upsert 0 seq 2\nhit 0+4000 addr 10000 type 2 flags 0 dev 1 cookie 2\n');
  });

  it('v7-tree still hands out FUSE_IOMAP_NULL_ADDR for types without an address', () => {
    const { cache } = cacheOf(V7_TREE);
    cache.cacheUpsert(Fork.READ, map(0n, 0x2000n, 0x5000n, HOLE));
    const m = mval();
    expect(cache.cacheLookup(Fork.READ, 0x1000n, 1n, m)).toBe(LookupResult.HIT);
    expect([m.offset, m.length, m.addr]).toEqual([0n, 0x2000n, 0xffff_ffff_ffff_ffffn]);
  });
});

describe('cache size cap (fuse_iomap_cache_set_maxbytes, fuse_iomap_cache_cleanup)', () => {
  it('defaults to 256 KiB; a server value is clamped to [NODE_SIZE, 2 MiB]; 0 keeps the current value', () => {
    const { cache } = cacheOf(V7);
    expect(cache.cacheMaxBytes).toBe(262144);
    expect(cache.setCacheMaxBytes(0)).toBe(262144);
    expect(cache.setCacheMaxBytes(1)).toBe(256);
    expect(cache.setCacheMaxBytes(255)).toBe(256);
    expect(cache.setCacheMaxBytes(4096)).toBe(4096);
    expect(cache.setCacheMaxBytes(0)).toBe(4096);
    expect(cache.setCacheMaxBytes(0xffff_ffff)).toBe(2 * 1024 * 1024);
    expect(() => cache.setCacheMaxBytes(-1)).toThrow(/not an unsigned 32-bit integer/);
    expect(() => cache.setCacheMaxBytes(2 ** 32)).toThrow(/not an unsigned 32-bit integer/);
    expect(cacheOf(V7, { cacheMaxBytes: 100 }).cache.cacheMaxBytes).toBe(256);
  });

  it('rfc-v3 has no cap: setting one is ignored', () => {
    const { cache } = cacheOf(RFC_V3);
    expect(cache.setCacheMaxBytes(4096)).toBeNull();
    expect(cache.cacheMaxBytes).toBeNull();
  });

  it('an upsert destroys the whole fork once it holds more than cache_maxbytes, then adds', () => {
    // cap 256 bytes = 8 records of 32 bytes. cleanup runs after the remove
    // and before the add, and only fires when ir_bytes > cap: the 9th
    // upsert sees 256 (not over) and grows the fork to 288; the 10th sees
    // 288, fires fuse_iomap_cache_cleanup and destroys the fork, then adds.
    const { cache, revEvents } = cacheOf(V7, { cacheMaxBytes: 256 });
    const counts: number[] = [];
    const seqs: bigint[] = [];
    for (let i = 0n; i < 10n; i++) {
      expect(cache.cacheUpsert(Fork.READ, map(i * 0x2000n, 0x1000n, 0x100000n + i * 0x2000n))).toBe(0);
      counts.push(cache.read.count());
      seqs.push(cache.seq);
    }
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 1]);
    // one insert per upsert, the destroy does not bump: 1 + 10
    expect(seqs[9]).toBe(11n);
    expect(revEvents).toEqual([expect.objectContaining({ name: 'fuse_iomap_cache_cleanup', fork: Fork.READ, bytes: 288n })]);
    const m = mval();
    expect(cache.cacheLookup(Fork.READ, 0n, 1n, m)).toBe(LookupResult.MISS); // the old records went with the fork
    expect(cache.cacheLookup(Fork.READ, 9n * 0x2000n, 1n, m)).toBe(LookupResult.HIT);
  });

  it('the same ten upserts under rfc-v3 keep all ten records', () => {
    const { cache } = cacheOf(RFC_V3);
    for (let i = 0n; i < 10n; i++) cache.cacheUpsert(Fork.READ, map(i * 0x2000n, 0x1000n, 0x100000n + i * 0x2000n));
    expect(cache.read.count()).toBe(10);
  });

  it('the cap only cleans the fork being upserted, and a plain add never cleans up', () => {
    const { cache } = cacheOf(V7, { cacheMaxBytes: 256 });
    for (let i = 0n; i < 12n; i++) expect(cache.cacheAdd(Fork.READ, map(i * 0x2000n, 0x1000n, 0x100000n + i * 0x2000n))).toBe(0);
    expect(cache.read.count()).toBe(12);
    expect(cache.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0x900000n))).toBe(0);
    expect([cache.read.count(), cache.write?.count()]).toEqual([12, 1]);
    expect(cache.cacheUpsert(Fork.READ, map(0x100000n, 0x1000n, 0x500000n))).toBe(0);
    expect([cache.read.count(), cache.write?.count()]).toEqual([1, 1]);
  });

  it('a cookie handed out before a cleanup destroy does not revalidate afterwards (the add bumps)', () => {
    const { cache } = cacheOf(V7, { cacheMaxBytes: 256 });
    for (let i = 0n; i < 9n; i++) cache.cacheUpsert(Fork.READ, map(i * 0x2000n, 0x1000n, 0x100000n + i * 0x2000n));
    const m = mval();
    cache.cacheLookup(Fork.READ, 0n, 1n, m);
    cache.cacheUpsert(Fork.READ, map(0x100000n, 0x1000n, 0x500000n));
    expect(cache.read.count()).toBe(1);
    expect(cache.seq).not.toBe(m.validityCookie);
  });

  it('hand-worked scenario: cap 256, nine disjoint upserts then a tenth', () => {
    // seq 1 -> 10 after nine inserts; the tenth upsert destroys the 9-record
    // fork (288 > 256 bytes) and inserts: seq 11, count 1, height 1.
    let text = 'revision v7\n';
    for (let i = 0; i < 10; i++) text += `upsert read 0x${(i * 0x2000).toString(16)} 0x1000 0x${(0x100000 + i * 0x2000).toString(16)} mapped 0 1\n`;
    text += 'dump read\n';
    let s = '';
    let dumpLine = '';
    runScenario(parseScenario(text), {
      onResult: (r, cache) => {
        if (r.line === 2) cache.setCacheMaxBytes(256);
        const o = formatOut(r);
        if (r.op === 'dump') dumpLine = o;
        else s += o;
      },
    });
    // the first upsert ran before the cap was lowered; it could not have
    // cleaned anything (the fork was empty), so the result is as computed
    expect(s.split('\n').slice(8, 10)).toEqual(['upsert 0 seq 10', 'upsert 0 seq 11']);
    expect(dumpLine).toBe('fork read count 1 height 1 seq 11\n  12000+1000 addr 112000 type 2 flags 0 dev 1\n');
  });
});

describe('pure overwrite into a never-used write fork (fuse_iomap_cache_upsert)', () => {
  it('v7 returns 0 without touching anything: no fork, no seq bump, no tracepoint', () => {
    const { cache, events } = cacheOf(V7);
    expect(cache.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0xffff_ffff_ffff_ffffn, V7_TYPE_PURE_OVERWRITE, 0, 0))).toBe(0);
    expect(cache.write).toBeNull();
    expect(cache.seq).toBe(1n);
    expect(events).toEqual([]);
    expect(cache.cacheLookup(Fork.WRITE, 0n, 0x1000n, mval())).toBe(LookupResult.NOFORK);
  });

  it('once the write fork is in use, a pure overwrite is cached like any mapping', () => {
    const { cache } = cacheOf(V7);
    expect(cache.cacheUpsert(Fork.WRITE, map(0x10000n, 0x1000n, 0x9000n))).toBe(0);
    expect(cache.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0xffff_ffff_ffff_ffffn, V7_TYPE_PURE_OVERWRITE, 0, 0))).toBe(0);
    expect(cache.write?.count()).toBe(2);
  });

  it('the read fork and rfc-v3 are not affected', () => {
    const v7 = cacheOf(V7).cache;
    expect(v7.cacheUpsert(Fork.READ, map(0n, 0x1000n, 0xffff_ffff_ffff_ffffn, V7_TYPE_PURE_OVERWRITE, 0, 0))).toBe(0);
    expect(v7.read.count()).toBe(1);
    const v3 = cacheOf(RFC_V3).cache;
    expect(v3.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0xffff_ffff_ffff_ffffn, V3_OVERWRITE, 0, 0))).toBe(0);
    expect(v3.write?.count()).toBe(1);
  });

  it('hand-worked scenario: type 255 into a fresh write fork is dropped, dump says nofork', () => {
    // v7: ic_write.ir_bytes == -1 and map->type == 255 -> return 0 before
    // fuse_iomap_cache_remove; seq stays at FUSE_IOMAP_INIT_COOKIE.
    expect(out('revision v7\nupsert write 0 0x1000 0xffffffffffffffff 255 0 0\ndump write\n')).toBe('upsert 0 seq 1\nnofork\n');
    // rfc-v3 knows 255 as no type at all: it is cached (add does not check types)
    expect(out('revision rfc-v3\nupsert write 0 0x1000 0xffffffffffffffff 255 0 0\ndump write\n')).toBe(
      'upsert 0 seq 1\nfork write count 1 height 1 seq 1\n  0+1000 addr ffffffffffffffff type 255 flags 0 dev 0\n',
    );
  });
});

describe('-EFSCORRUPTED (#define EFSCORRUPTED EUCLEAN in fuse_iomap_i.h)', () => {
  it('adding over a cached mapping returns -117 in both revisions', () => {
    for (const rev of [V7, RFC_V3]) {
      const { cache } = cacheOf(rev);
      cache.cacheAdd(Fork.READ, map(0n, 0x2000n, 0x8000n));
      expect(cache.cacheAdd(Fork.READ, map(0x1000n, 0x2000n, 0x20000n))).toBe(-117);
    }
  });

  it("removing over rfc-v3's overwrite type (0xffff) is corruption in v7, whose overwrite is 255", () => {
    // fuse_iomap_cache_remove's switch lists FUSE_IOMAP_TYPE_PURE_OVERWRITE,
    // which is 255 in v7: a 0xffff record falls to default: -EFSCORRUPTED
    const text = (rev: string) => `revision ${rev}\nadd read 0 0x1000 0xffffffffffffffff 0xffff 0 0\nremove read 0 0x1000\n`;
    expect(out(text('v7'))).toBe('add 0 seq 2\nremove -117 seq 2\n');
    expect(out(text('rfc-v3'))).toBe('add 0 seq 1\nremove 0 seq 2\n');
  });
});

describe('u64 record offsets (struct fuse_iomap_io)', () => {
  // A record at 2^63 + 0x1000: a negative loff_t in rfc-v3, a large u64 in v7.
  const high = BigInt.asIntN(64, 0x8000_0000_0000_1000n);

  it('rfc-v3 sorts it first and its wrapped end covers a lookup at 0x5000; v7 sorts it last and misses', () => {
    const v3 = cacheOf(RFC_V3).cache;
    const v7 = cacheOf(V7).cache;
    for (const c of [v3, v7]) expect(c.cacheAdd(Fork.READ, map(high, 0x1000n, 0x8000n))).toBe(0);
    const m = mval();
    expect(v3.cacheLookup(Fork.READ, 0x5000n, 1n, m)).toBe(LookupResult.HIT);
    expect(v7.cacheLookup(Fork.READ, 0x5000n, 1n, m)).toBe(LookupResult.MISS);
    expect(v7.cacheLookup(Fork.READ, BigInt.asIntN(64, 0x8000_0000_0000_1800n), 1n, m)).toBe(LookupResult.HIT);
    expect(BigInt.asUintN(64, m.offset)).toBe(0x8000_0000_0000_1000n);
  });

  it('v7 keeps a low and a high record in u64 order and can remove the high one', () => {
    const { cache } = cacheOf(V7);
    cache.cacheAdd(Fork.READ, map(0x1000n, 0x1000n, 0x8000n));
    cache.cacheAdd(Fork.READ, map(high, 0x1000n, 0x9000n));
    expect([...cache.read.records()].map((r) => BigInt.asUintN(64, r.offset))).toEqual([0x1000n, 0x8000_0000_0000_1000n]);
    expect(cache.cacheRemove(Fork.READ, high, 0x1000n)).toBe(0);
    expect(cache.read.count()).toBe(1);
  });

  it('flags negative-offset-record only where the offset is a loff_t', () => {
    const hits = (rev: Revision) => {
      const ids: string[] = [];
      const { cache } = cacheOf(rev, { onHazard: (h) => ids.push(h.hazard.id) });
      cache.cacheAdd(Fork.READ, map(high, 0x1000n, 0x8000n));
      return ids;
    };
    expect(hits(RFC_V3)).toContain('negative-offset-record');
    expect(hits(V7)).not.toContain('negative-offset-record');
  });
});

describe('cache object and events (fuse_iomap_cache_alloc/_free)', () => {
  it('enable() fires fuse_iomap_cache_alloc in v7, fuse_iomap_cache_enable in rfc-v3, once', () => {
    for (const [rev, name] of [[V7, 'fuse_iomap_cache_alloc'], [RFC_V3, 'fuse_iomap_cache_enable']] as const) {
      const evs: RevisionEvent[] = [];
      const cache = new IomapCache(inode(), { revision: rev, revisionSink: (e) => evs.push(e) });
      expect(cache.invalidate(0n)).toBe(0); // no cache yet: invalidation is a no-op
      cache.enable();
      cache.enable();
      expect(evs.map((e) => e.name)).toEqual([name]);
    }
  });

  it('eviction fires fuse_iomap_cache_free in v7 only', () => {
    const v7 = cacheOf(V7);
    v7.cache.clear();
    expect(v7.revEvents.map((e) => e.name)).toEqual(['fuse_iomap_cache_free']);
    const v3 = cacheOf(RFC_V3);
    v3.cache.clear();
    expect(v3.revEvents).toEqual([]);
  });

  it('memory outside the trees: v7 128 B once allocated, rfc-v3 80 B embedded plus 32 B for a write fork', () => {
    const v7 = new IomapCache(inode(), { revision: V7 });
    expect(v7.cacheObjectBytes()).toBe(0);
    v7.enable();
    v7.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0x8000n));
    expect([v7.cacheObjectBytes(), v7.forkHeaderBytes()]).toEqual([128, 0]);
    const v3 = new IomapCache(inode(), { revision: RFC_V3 });
    expect([v3.cacheObjectBytes(), v3.forkHeaderBytes()]).toEqual([80, 0]);
    v3.cacheUpsert(Fork.WRITE, map(0n, 0x1000n, 0x8000n));
    expect(v3.forkHeaderBytes()).toBe(32);
  });
});

describe('rfc-v3 hazards in v7', () => {
  it('erase-all-no-seq-bump survives: invalidate to EOF from 0 empties the fork and the old cookie still matches', () => {
    // fuse_iomap_cache_invalidate(inode, 0) -> remove(0, ~0ULL): len >= s_maxbytes -> fuse_iext_destroy, no inc_seq
    const ids: string[] = [];
    const { cache } = cacheOf(V7, { onHazard: (h) => ids.push(h.hazard.id) });
    cache.cacheUpsert(Fork.READ, map(0n, 0x1000n, 0x8000n));
    const m = mval();
    cache.cacheLookup(Fork.READ, 0n, 1n, m);
    expect(cache.invalidate(0n)).toBe(0);
    expect(cache.read.count()).toBe(0);
    expect(cache.seq).toBe(m.validityCookie); // fuse_iomap_revalidate would say "valid"
    expect(ids).toContain('erase-all-no-seq-bump');
  });
});

describe('remove-end-overflow (SPEC 8.3) in v7', () => {
  // five records at 0, 0x2000 ... 0x8000 (height 1)
  const five = Array.from({ length: 5 }, (_, i) => `add read 0x${(i * 0x2000).toString(16)} 0x1000 0x${(0x100000 + i * 0x2000).toString(16)} mapped 0 1`).join('\n');
  const count = (rev: string, remove: string): number => {
    let n = -1;
    runScenario(parseScenario(`revision ${rev}\n${five}\n${remove}\ndump read\n`), { onResult: (r) => r.op === 'dump' && !r.nofork && (n = r.count) });
    return n;
  };

  it('a wrap to end 0 removes everything from start in v7 (end - 1 = 2^64-1 is above every u64 record), nothing in rfc-v3', () => {
    expect(count('v7', 'remove read 0x2000 0xffffffffffffe000')).toBe(1);
    expect(count('rfc-v3', 'remove read 0x2000 0xffffffffffffe000')).toBe(5);
  });

  it('a wrap that lands below start still removes nothing in both', () => {
    expect(count('v7', 'remove read 0x4000 0xffffffffffffe000')).toBe(5);
    expect(count('rfc-v3', 'remove read 0x4000 0xffffffffffffe000')).toBe(5);
  });
});
