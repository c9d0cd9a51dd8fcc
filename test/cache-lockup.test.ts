// SPDX-License-Identifier: GPL-2.0-only
/*
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
import { FUSE_IOMAP_LOCK_EXCL, FUSE_IOMAP_TYPE_MAPPED, Fork } from '../src/cache/constants.js';
import { IomapCache } from '../src/cache/iomap-cache.js';
import { revisionByName } from '../src/cache/revision.js';
import { KernelLockup } from '../src/iext/record.js';
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
