// SPDX-License-Identifier: GPL-2.0-only
/* Test helpers for the iomap consumers: one inode with its cache, a device table, a scripted server, recorded events. */
import { Fork } from '../src/cache/constants.js';
import type { CacheEvent } from '../src/cache/events.js';
import type { HazardHit } from '../src/cache/hazards.js';
import { IomapCache } from '../src/cache/iomap-cache.js';
import type { Mapping } from '../src/iext/record.js';
import type { BeginValidator, IomapEnv, KernelInode } from '../src/iomap/env.js';
import type { IomapEvent } from '../src/iomap/events.js';
import { ScriptedServer } from '../src/iomap/server.js';

export const NULL_ADDR = 0xffff_ffff_ffff_ffffn;

export interface World {
  inode: KernelInode;
  env: IomapEnv;
  server: ScriptedServer;
  devices: Set<number>;
  events: string[];
  hazards: HazardHit[];
}

export function makeWorld(opts: { enabled?: boolean; debug?: boolean; validate?: BeginValidator; devices?: number[] } = {}): World {
  const events: string[] = [];
  const hazards: HazardHit[] = [];
  const cache = new IomapCache(
    { ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: 4096n, maxBytes: 0x7fff_ffff_ffff_ffffn },
    { sink: (ev: CacheEvent) => events.push(ev.name), onHazard: (h) => hazards.push(h) },
  );
  cache.enabled = opts.enabled ?? true;
  const devices = new Set(opts.devices ?? [1]);
  const server = new ScriptedServer();
  const inode: KernelInode = { cache, fileio: true, bad: false };
  const env: IomapEnv = {
    conn: { hasDevice: (id) => devices.has(id), atomicOTrunc: true },
    server,
    validateBegin: opts.validate ?? (() => ({ err: 0, rule: '' })),
    emit: (ev: IomapEvent) => events.push(ev.name),
    onHazard: (h) => hazards.push(h),
    debug: opts.debug,
  };
  return { inode, env, server, devices, events, hazards };
}

export const map = (offset: bigint, length: bigint, type: number, addr = NULL_ADDR, dev = 0, flags = 0): Mapping => ({ offset, length, addr, type, flags, dev });

/** upsert straight into a fork (what an upsert notification does after its checks) */
export function put(w: World, fork: Fork, m: Mapping): void {
  w.inode.cache.lock(2);
  const ret = w.inode.cache.cacheUpsert(fork, m);
  w.inode.cache.unlock(2);
  if (ret) throw new Error(`upsert failed ${ret}`);
}
