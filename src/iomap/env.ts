// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the iomap consumers need from the rest of the kernel model: the
 * connection (device table), the inode (its cache and state bits), the fuse
 * server on the other end of /dev/fuse, and where events and hazards go.
 * Structural types, so the protocol layer's FuseConn/FuseInode fit as they are.
 */
import type { HazardHit, HazardInfo } from '../cache/hazards.js';
import type { IomapCache } from '../cache/iomap-cache.js';
import type { IomapEvent, IomapEventName, IomapEventSink } from './events.js';
import type { BeginIn, BeginOut, EndIn, Iomap, IoendIn } from './iomap.js';

/** The per-inode state the consumers read (struct fuse_inode + struct inode). */
export interface KernelInode {
  /** fi->cache; cache.inode carries ids, i_size, i_blocksize and s_maxbytes */
  readonly cache: IomapCache;
  /** FUSE_I_IOMAP_FILEIO */
  fileio: boolean;
  /** fuse_is_bad() */
  bad: boolean;
  /** FUSE_I_IOMAP_DIRECTIO (only printed in state flags) */
  directio?: boolean;
}

/** The per-connection state (struct fuse_conn). */
export interface KernelConn {
  /** fuse_iomap_dev_id_find: is a device registered under this id? */
  hasDevice(id: number): boolean;
  /** fc->atomic_o_trunc: O_TRUNC is sent with the open, the kernel truncates its caches */
  atomicOTrunc?: boolean;
}

/** The fuse server as the kernel sees it: one answer per request. */
export interface IomapServer {
  /**
   * FUSE_IOMAP_BEGIN: the reply, or a negative errno from
   * fuse_simple_request. The server may send notifications (upsert, inval)
   * before it answers, e.g. fuse2fs upserts and answers NULL.
   */
  begin(req: BeginIn, nodeid: bigint): BeginOut | number;
  /** FUSE_IOMAP_END: 0 or a negative errno; absent = -ENOSYS */
  end?(req: EndIn, nodeid: bigint): number;
  /** FUSE_IOMAP_IOEND: 0 or a negative errno; absent = -ENOSYS */
  ioend?(req: IoendIn, nodeid: bigint): number;
  /** FUSE_READ / FUSE_WRITE of inline data (fuse_iomap_inline_read/_write): 0 or -errno; absent = 0 */
  inlineIo?(write: boolean, pos: bigint, count: bigint, nodeid: bigint): number;
}

/**
 * fuse_iomap_begin_validate(outarg, inode, opflags, pos): err 0, or the
 * errno and the name of the rule that failed (src/protocol/validate.ts).
 */
export type BeginValidator = (out: BeginOut, inode: KernelInode, opflags: number, pos: bigint) => { err: number; rule: string };

/** The type values the consumers test, per protocol revision (src/protocol/layout.ts). */
export interface IomapTypes {
  /** FUSE_IOMAP_TYPE_NULL (rfc-v3) / FUSE_IOMAP_TYPE_RETRY_CACHE (v7): "look in the cache again" */
  readonly retryType: number;
  readonly typePureOverwrite: number;
  /** rfc-v3: one offset/length for both halves (read.offset/read.length) */
  readonly beginOutSharedRange: boolean;
}
export const RFC_V3_TYPES: IomapTypes = Object.freeze({ retryType: 0xfffe, typePureOverwrite: 0xffff, beginOutSharedRange: true });

export interface IomapEnv {
  conn: KernelConn;
  server: IomapServer;
  validateBegin: BeginValidator;
  /** type values of the protocol revision (default rfc-v3) */
  types?: IomapTypes;
  emit?: IomapEventSink;
  onHazard?: (hit: HazardHit) => void;
  /** CONFIG_FUSE_IOMAP_DEBUG: run fuse_iomap_validate_cached (with its swapped arguments) */
  debug?: boolean;
  /**
   * NULL replies fuse_iomap_begin retries before the model lets
   * signal_pending() turn true (the C has no bound, SPEC 8.9). Default 8.
   */
  nullRetryLimit?: number;
  /** what an uninitialised stack struct iomap holds (0 = CONFIG_INIT_STACK_ALL_ZERO, the default) */
  stackGarbage?: bigint;
  /**
   * Not the seed: a simulator policy deciding validity instead of the
   * cookie == im_seq compare (e.g. per-range counters). Used by
   * fuseIomapRevalidate and so by iomapValid and writeback; false still
   * fires fuse_iomap_invalid.
   */
  revalidate?: (inode: KernelInode, iomap: Iomap) => boolean;
}

export const DEFAULT_NULL_RETRY_LIMIT = 8;

export function emitEvent(env: IomapEnv, inode: KernelInode, name: IomapEventName, fields: IomapEvent['fields'] = {}): void {
  if (!env.emit) return;
  const ci = inode.cache.inode;
  env.emit({ name, inode: ci.ids, isize: ci.isize, fields });
}

export function hazard(env: IomapEnv, h: HazardInfo, detail: string): void {
  env.onHazard?.({ hazard: h, detail });
}
