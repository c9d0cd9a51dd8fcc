// SPDX-License-Identifier: GPL-2.0-only
// The connection model: device table (ids, sizes, modes, find_dev and the
// proposed access check), inode table, cache creation/enabling and locks.
import { describe, expect, it } from 'vitest';
import { RFC_V3 } from '../src/cache/revision.js';
import { V7 } from '../src/cache/revision-v7.js';
import { Fork } from '../src/cache/constants.js';
import {
  EACCES,
  EBADF,
  EINVAL,
  EIO,
  ENODEV,
  ENOSPC,
  EPERM,
  EUCLEAN,
  FMODE_PATH,
  FMODE_READ,
  FMODE_WRITE,
  FuseConn,
  type FuseEvent,
  LockOrderError,
  RFC_V3_PROTOCOL,
  V7_PROTOCOL,
} from '../src/protocol/index.js';

describe('device table', () => {
  it('rfc-v3 FUSE_DEV_IOC_IOMAP_DEV_ADD: ids from 1 in order, sizes in whole sectors', () => {
    const conn = new FuseConn({ revision: RFC_V3 });
    expect(conn.registry).toBe('iomap-dev-add');
    expect(conn.addDevice({ sizeBytes: 1n << 30n })).toBe(1);
    expect(conn.addDevice({ sizeBytes: 4097n })).toBe(2);
    expect(conn.devices.get(2)!.sizeBytes).toBe(4096n);
  });

  it('refuses as fuse_iomap_dev_add does: no iomap -EPERM, flags -EINVAL, not a block device -ENODEV', () => {
    const off = new FuseConn({ iomap: false });
    expect(off.addDevice({ sizeBytes: 4096n })).toBe(-EPERM);
    const conn = new FuseConn();
    expect(conn.addDevice({ sizeBytes: 4096n, flags: 1 })).toBe(-EINVAL);
    expect(conn.addDevice({ sizeBytes: 4096n, blockDevice: false })).toBe(-ENODEV);
    // failed registrations consume no id
    expect(conn.addDevice({ sizeBytes: 4096n })).toBe(1);
  });

  it('seed-000 backing registry: at most 1024 iomap devices, then -ENOSPC; O_PATH refusal is an option', () => {
    const conn = new FuseConn({ revision: V7 });
    expect(conn.registry).toBe('backing');
    for (let i = 1; i <= 1024; i++) expect(conn.addDevice({ sizeBytes: 512n })).toBe(i);
    expect(conn.addDevice({ sizeBytes: 512n })).toBe(-ENOSPC);
    const strict = new FuseConn({ revision: V7, refuseOPathDevices: true });
    expect(strict.addDevice({ sizeBytes: 512n, fmode: FMODE_PATH })).toBe(-EBADF);
    expect(new FuseConn({ revision: V7 }).addDevice({ sizeBytes: 512n, fmode: FMODE_PATH })).toBe(1);
  });

  it('fuse_iomap_find_dev: cookie 0 and cookies >= INT_MAX are never looked up', () => {
    const conn = new FuseConn();
    conn.addDevice({ sizeBytes: 1n << 20n });
    expect(conn.findDev(2, 1)).toEqual({ err: 0, dev: conn.devices.get(1) });
    expect(conn.findDev(2, 0)).toEqual({ err: -EIO, dev: null });
    expect(conn.findDev(3, 0x7fff_ffff)).toEqual({ err: -EIO, dev: null });
    expect(conn.findDev(2, 5)).toEqual({ err: -EIO, dev: null });
    // types without space may name no device, or even an unknown one
    expect(conn.findDev(0, 0)).toEqual({ err: 0, dev: null });
    expect(conn.findDev(1, 5)).toEqual({ err: 0, dev: null });
  });

  it('v7 reports a missing device as -EFSCORRUPTED', () => {
    const conn = new FuseConn({ revision: V7 });
    expect(conn.findDev(2, 1)).toEqual({ err: -EUCLEAN, dev: null });
  });

  it('the proposed access check: a write mapping on a read-only device is -EACCES, a read mapping is fine', () => {
    const conn = new FuseConn({ checkDeviceAccess: true });
    conn.addDevice({ sizeBytes: 1n << 20n, fmode: FMODE_READ });
    conn.addDevice({ sizeBytes: 1n << 20n, fmode: FMODE_READ | FMODE_WRITE });
    expect(conn.findDev(2, 1, 'write').err).toBe(-EACCES);
    expect(conn.findDev(2, 1, 'read').err).toBe(0);
    expect(conn.findDev(2, 2, 'write').err).toBe(0);
    conn.checkDeviceAccess = false;
    expect(conn.findDev(2, 1, 'write').err).toBe(0);
  });
});

describe('inode table and cache', () => {
  it('fuse_ilookup finds inodes by nodeid; attr_ino defaults to the nodeid', () => {
    const conn = new FuseConn({ connection: 7 });
    const ino = conn.addInode({ nodeid: 5n, attrIno: 0x1234n, isize: 0x10000n });
    expect(conn.ilookup(5n)).toBe(ino);
    expect(conn.ilookup(6n)).toBeUndefined();
    expect(ino.ids).toEqual({ connection: 7, ino: 0x1234n, nodeid: 5n });
    expect(conn.addInode({ nodeid: 6n }).attrIno).toBe(6n);
    expect(() => conn.addInode({ nodeid: 5n })).toThrow(/already/);
    expect(() => conn.addInode({ nodeid: 9n, blockSize: 3000n })).toThrow(/power of two/);
  });

  it('a fileio inode gets its cache at once, not enabled; the first enable sets FUSE_I_IOMAP_CACHE and fires fuse_iomap_cache_enable with the new state', () => {
    const events: FuseEvent[] = [];
    const conn = new FuseConn({ sink: (ev) => events.push(ev) });
    const ino = conn.addInode({ nodeid: 2n });
    expect(ino.cacheOrNull).not.toBeNull();
    expect(ino.cachesIomaps).toBe(false);
    expect(ino.state).toBe(0x80); // iomap_fileio
    expect(ino.enableCache()).toBe(true);
    expect(ino.enableCache()).toBe(false);
    expect(ino.state).toBe(0x180);
    expect(events).toEqual([{ name: 'fuse_iomap_cache_enable', inode: ino.ids, isize: 0n, state: 0x180 }]);
  });

  it('v7 allocates on enable (fuse_iomap_cache_alloc) and sets no state bit', () => {
    const events: FuseEvent[] = [];
    const conn = new FuseConn({ revision: V7, sink: (ev) => events.push(ev) });
    const ino = conn.addInode({ nodeid: 2n });
    ino.enableCache();
    expect(events.map((e) => e.name)).toEqual(['fuse_iomap_cache_alloc']);
    expect(ino.state).toBe(0x80);
    conn.forgetInode(2n);
    expect(events.map((e) => e.name)).toEqual(['fuse_iomap_cache_alloc', 'fuse_iomap_cache_free']);
  });

  it('an inode without fileio has no cache until a notification needs one (SPEC 8.6 hazard in rfc-v3)', () => {
    const hits: string[] = [];
    const conn = new FuseConn({ onHazard: (h) => hits.push(h.hazard.id) });
    const dir = conn.addInode({ nodeid: 1n, fileio: false });
    expect(dir.cacheOrNull).toBeNull();
    dir.cacheForNotify();
    expect(hits).toEqual(['notify-uninitialised-cache']);
    const v7 = new FuseConn({ revision: V7, onHazard: (h) => hits.push(h.hazard.id) });
    v7.addInode({ nodeid: 1n, fileio: false }).cacheForNotify();
    expect(hits).toHaveLength(1);
  });

  it('the bad flag is FUSE_I_BAD (bit 3)', () => {
    const ino = new FuseConn().addInode({ nodeid: 3n, bad: true });
    expect(ino.bad).toBe(true);
    expect(ino.state & 0x8).toBe(0x8);
    ino.bad = false;
    expect(ino.state & 0x8).toBe(0);
  });

  it('picks the wire layout by revision', () => {
    expect(new FuseConn().protocol).toBe(RFC_V3_PROTOCOL);
    expect(new FuseConn({ revision: V7 }).protocol).toBe(V7_PROTOCOL);
  });
});

describe('im_lock modes', () => {
  it('shared holders stack, exclusive excludes everything, misuse throws LockOrderError', () => {
    const events: FuseEvent[] = [];
    const conn = new FuseConn({ traceLocks: true, sink: (ev) => events.push(ev) });
    const ino = conn.addInode({ nodeid: 4n });
    ino.lock('shared');
    ino.lock('shared');
    expect(ino.lockState()).toBe('shared x2');
    ino.assertLocked('shared', 'fuse_iomap_cache_lookup');
    expect(() => ino.assertLocked('exclusive', 'fuse_iomap_cache_remove')).toThrow(LockOrderError);
    expect(() => ino.lock('exclusive')).toThrow(LockOrderError);
    ino.unlock('shared');
    ino.unlock('shared');
    expect(() => ino.unlock('shared')).toThrow(/unlock while im_lock is free/);
    const r = ino.withLock('exclusive', () => {
      ino.assertLocked('exclusive', 'fuse_iomap_cache_upsert');
      expect(() => ino.lock('shared')).toThrow(LockOrderError);
      return ino.cacheOrNull!.cacheRemove(Fork.READ, 0n, 0x1000n);
    });
    expect(r).toBe(0);
    expect(ino.lockState()).toBe('free');
    expect(events.filter((e) => e.name.startsWith('fuse_iomap_cache_lock') || e.name.startsWith('fuse_iomap_cache_unlock')).length).toBe(6);
  });
});

describe('event sink', () => {
  it('a sink set after the inodes exist still receives their cache events', () => {
    const conn = new FuseConn();
    const ino = conn.addInode({ nodeid: 2n });
    const names: string[] = [];
    conn.sink = (ev) => names.push(ev.name);
    ino.withLock('exclusive', () => ino.cacheOrNull!.cacheRemove(Fork.READ, 0n, 0x1000n));
    expect(names).toEqual(['fuse_iomap_cache_remove']);
    conn.sink = undefined;
    ino.withLock('exclusive', () => ino.cacheOrNull!.cacheRemove(Fork.READ, 0n, 0x1000n));
    expect(names).toHaveLength(1);
  });
});
