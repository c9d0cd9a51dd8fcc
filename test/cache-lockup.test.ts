// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where the seed's C would loop forever, the model stops with KernelLockup.
 *
 * v7's fuse_iomap_cache_remove with start >= 2^63 and a record below it:
 * the u64 record offset trims the record to 2^63 - offset, end becomes
 * LLONG_MAX, and every later pass deletes 0 bytes: the C spins under the
 * exclusive lock. The model stops with KernelLockup instead of hanging;
 * rfc-v3 (signed offsets) returns.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FUSE_IOMAP_LOCK_EXCL, FUSE_IOMAP_NULL_ADDR, FUSE_IOMAP_TYPE_MAPPED, FUSE_IOMAP_TYPE_NULL, Fork } from '../src/cache/constants.js';
import { IomapCache } from '../src/cache/iomap-cache.js';
import { RFC_V3, revisionByName } from '../src/cache/revision.js';
import { KernelLockup } from '../src/iext/record.js';
import { HEIGHT_LIMIT } from '../src/iext/tree.js';
import { FuseConn, notifyIomapUpsertResult } from '../src/protocol/index.js';
import { CLI } from './paths.js';

const inode = { ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: 4096n, maxBytes: 0x7fff_ffff_ffff_ffffn };
const rec = { offset: 0x5000n, length: 0x1000n, addr: 0x9000n, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 };

function cacheWithOneRecord(revision: string): IomapCache {
  const c = new IomapCache(inode, { revision: revisionByName(revision)! });
  c.lock(FUSE_IOMAP_LOCK_EXCL);
  expect(c.cacheAdd(Fork.READ, { ...rec })).toBe(0);
  return c;
}

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-lockup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('remove from 2^63 (v7 spins)', () => {
  it('v7: KernelLockup naming the function and the zero-byte pass', () => {
    const c = cacheWithOneRecord('v7');
    let err: unknown;
    try {
      c.cacheRemove(Fork.READ, -0x8000_0000_0000_0000n, 0x1000n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelLockup);
    expect((err as Error).message).toBe(
      'soft lockup in fuse_iomap_cache_remove: no progress removing read start 0x8000000000000000 len 0x1000: each pass deletes 0x0 bytes at 0x8000000000000000',
    );
  });

  it('rfc-v3: the same remove returns 0 and keeps the record', () => {
    const c = cacheWithOneRecord('rfc-v3');
    expect(c.cacheRemove(Fork.READ, -0x8000_0000_0000_0000n, 0x1000n)).toBe(0);
    expect(c.read.count()).toBe(1);
  });

  it('a remove that makes progress over many records is not taken for a lockup', () => {
    const c = new IomapCache(inode, { revision: revisionByName('v7')! });
    c.lock(FUSE_IOMAP_LOCK_EXCL);
    for (let i = 0n; i < 500n; i++) expect(c.cacheAdd(Fork.READ, { ...rec, offset: i * 0x2000n, addr: 0x100000n + i * 0x4000n })).toBe(0);
    // one hole-punch per record plus a split at each end
    expect(c.cacheRemove(Fork.READ, 0x800n, 500n * 0x2000n - 0x1000n)).toBe(0);
    expect(c.read.count()).toBe(1);
  });

  it('the CLI stops with exit 3 and says the kernel would hang', () => {
    const f = join(work, 'lockup.scenario');
    writeFileSync(f, 'revision v7\nadd read 0x5000 0x1000 0x9000 mapped 0 1\nremove read 0x8000000000000000 0x1000\n');
    const r = spawnSync(process.execPath, [CLI, 'run', f], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`${f}:3: the modelled kernel would hang here: soft lockup in fuse_iomap_cache_remove`);
  });
});

/*
 * Block-aligned upserts (as FUSE_NOTIFY_IOMAP_UPSERT passes them: SPEC 8.2's
 * signed s_maxbytes check lets offsets >= 2^63 through) that put records
 * with keys above FUSE_IEXT_KEY_INVALID into a tree of height 2: the next
 * leaf split hands fuse_iext_insert_node such a key, which sorts above every
 * empty slot, so every node looks full and each pass splits off an empty
 * node and grows the tree a level. The C allocates nodes without end under
 * the exclusive lock; the model stops at HEIGHT_LIMIT with KernelLockup.
 * Found by fuzzing upserts with such offsets (the finger work of
 * 2026-11-30): the shrunk sequence below; the eighth upsert hangs.
 */
describe('insert_node with a key above KEY_INVALID (every revision spins)', () => {
  const NEG = 0xffff_ffff_fff0_0000n; // -1 MiB as a loff_t
  const upserts = [0x1f_ffff_fffc_0000n, 0n, ...[0n, 1n, 2n, 3n, 4n, 5n].map((k) => NEG + k * 0x1000n), 0n];

  for (const revision of ['rfc-v3', 'v7']) {
    it(`${revision}: KernelLockup in fuse_iext_insert_node at height ${HEIGHT_LIMIT}, after the records before it went in`, () => {
      const c = new IomapCache({ ...inode }, { revision: revisionByName(revision)! });
      c.enable();
      c.lock(FUSE_IOMAP_LOCK_EXCL);
      let err: unknown;
      let done = 0;
      try {
        for (const off of upserts) {
          c.cacheUpsert(Fork.READ, { ...rec, offset: BigInt.asIntN(64, off), length: 0x1000n });
          done++;
        }
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelLockup);
      expect((err as Error).message).toMatch(
        new RegExp(`^soft lockup in fuse_iext_insert_node: the tree grew to height ${HEIGHT_LIMIT} inserting key 0xfffffffffff0[0-9a-f]{4}, a key above FUSE_IEXT_KEY_INVALID \\(2\\^63\\)`),
      );
      // the eighth upsert's leaf split (a height-2 tree) hands insert_node the key
      expect(done).toBe(7);
      expect(c.read!.height).toBe(HEIGHT_LIMIT);
    });
  }

  it('the same keys below 2^63 (offsets ending 0x...fff00000 minus 2^63) go in without growing the tree', () => {
    const c = new IomapCache({ ...inode }, { revision: revisionByName('rfc-v3')! });
    c.enable();
    c.lock(FUSE_IOMAP_LOCK_EXCL);
    for (const off of upserts) expect(c.cacheUpsert(Fork.READ, { ...rec, offset: off & 0x7fff_ffff_ffff_ffffn, length: 0x1000n })).toBe(0);
    expect(c.read!.height).toBeLessThanOrEqual(2);
  });
});

describe('insert_node lockup through FUSE_NOTIFY_IOMAP_UPSERT', () => {
  it('rfc-v3: the seed\'s upsert validation lets the mappings in, and the eighth notification hangs the modelled kernel', () => {
    const hazards: string[] = [];
    const conn = new FuseConn({ revision: RFC_V3, connection: 3, onHazard: (h) => hazards.push(h.hazard.id) });
    conn.addDevice({ sizeBytes: 1n << 20n });
    conn.addInode({ nodeid: 5n, attrIno: 0x55n, isize: 0x3000n });
    const NEG = 0xffff_ffff_fff0_0000n;
    const offsets = [0x1f_ffff_fffc_0000n, 0n, ...[0n, 1n, 2n, 3n, 4n, 5n].map((k) => NEG + k * 0x1000n)];
    const results = offsets.map((offset) =>
      notifyIomapUpsertResult(conn, {
        nodeid: 5n,
        attrIno: 0x55n,
        read: { offset, length: 0x1000n, addr: 0x10000n, type: FUSE_IOMAP_TYPE_MAPPED, flags: 0, dev: 1 },
        write: { offset: 0n, length: 0x1000n, addr: FUSE_IOMAP_NULL_ADDR, type: FUSE_IOMAP_TYPE_NULL, flags: 0, dev: 0 },
      }),
    );
    expect(results.slice(0, 7).map((r) => [r.err, r.rule])).toEqual(Array(7).fill([0, '']));
    const last = results[7];
    expect([last.err, last.rule]).toEqual([0, 'kernel-oops']);
    expect(last.oops).toBeInstanceOf(KernelLockup);
    expect(last.oops!.message).toContain('soft lockup in fuse_iext_insert_node: the tree grew to height 32');
    expect(hazards).toEqual(expect.arrayContaining(['upsert-signed-offset', 'negative-offset-record']));
  });
});
