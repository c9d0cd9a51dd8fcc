// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fuse connection as the iomap code sees it (struct fuse_conn): the
 * iomap flag, the negotiated minor version, the iomap device table, the
 * inodes fuse_ilookup can find, and the events they fire.
 *
 * Devices: seed 001 PATCH 02/13 (FUSE_DEV_IOC_IOMAP_DEV_ADD,
 * fuse_iomap_dev_add L2476-2517, fuse_iomap_find_dev L2303-2321) and the
 * 2026 rework of seed 000 (iomap devices are backing files of type
 * FUSE_BACKING_TYPE_IOMAP, ids 1..1024, the proposed access-mode check).
 */
import type { RevisionEvent } from '../cache/events.js';
import type { HazardHit } from '../cache/hazards.js';
import { DEFAULT_REVISION, type Revision } from '../cache/revision.js';
import type { IextArena } from '../iext/arena.js';
import { S64_MAX } from '../util/int64.js';
import { EBADF, EINVAL, ENODEV, ENOSPC, EPERM, FMODE_PATH, FMODE_READ, FMODE_WRITE, INT_MAX, EACCES, FUSE_KERNEL_MINOR_VERSION_RFC_V3 } from './constants.js';
import type { FuseEventSink } from './events.js';
import { FuseInode, type InodeSpec } from './inode.js';
import { protocolFor, type ProtocolLayout } from './layout.js';

/** Which ioctl registers iomap devices, and with which id range. */
export type DeviceRegistry =
  /** seed 001: FUSE_DEV_IOC_IOMAP_DEV_ADD, idr_alloc_cyclic(1, 0): ids 1..INT_MAX */
  | 'iomap-dev-add'
  /** seed 000: FUSE_DEV_IOC_BACKING_OPEN with FUSE_BACKING_TYPE_IOMAP, ids 1..1024 */
  | 'backing';

export interface DeviceSpec {
  /** size of the block device in bytes; the kernel sees bdev_nr_sectors << 9 */
  sizeBytes: bigint;
  /** f_mode of the server's file descriptor (FMODE_READ | FMODE_WRITE by default) */
  fmode?: number;
  /** false: the fd is not a block device (-ENODEV) */
  blockDevice?: boolean;
  /** fuse_backing_map.flags beyond the backing type, or padding (must be 0) */
  flags?: number;
  /** a label for output */
  name?: string;
}

/** A registered iomap device (struct fuse_iomap_dev / struct fuse_backing with a bdev). */
export interface FuseDevice {
  readonly id: number;
  /** bdev_nr_sectors(bdev) << SECTOR_SHIFT */
  readonly sizeBytes: bigint;
  readonly fmode: number;
  readonly name: string;
}

/** Which way a mapping is used (enum fuse_iomap_iodir of the seed-000 proposal). */
export type IoDir = 'read' | 'write';

export interface FindDevResult {
  /** 0 or a negative errno */
  err: number;
  dev: FuseDevice | null;
}

export interface ConnOptions {
  revision?: Revision;
  /** fc->iomap: the server negotiated FUSE_IOMAP (default true) */
  iomap?: boolean;
  /** the minor protocol version the server's libfuse sees (se->conn.proto_minor) */
  protoMinor?: number;
  /** fc->dev, printed as "connection %u" */
  connection?: number;
  registry?: DeviceRegistry;
  /** seed 000's proposed fuse_iomap_validate_bdev_access (not merged): off by default */
  checkDeviceAccess?: boolean;
  /** seed 000's proposed -EBADF for O_PATH device fds (not merged): off by default */
  refuseOPathDevices?: boolean;
  /** defaults for new inodes: sb->s_maxbytes and i_blocksize */
  maxBytes?: bigint;
  blockSize?: bigint;
  /** CONFIG_FUSE_IOMAP_DEBUG for the caches */
  debug?: boolean;
  /** fire fuse_iomap_cache_lock/unlock (rfc-v3 only) */
  traceLocks?: boolean;
  sink?: FuseEventSink;
  onHazard?: (hit: HazardHit) => void;
  /** v7 cache_maxbytes from the server's iomap config */
  cacheMaxBytes?: number;
  /** share leaf/node storage between the inodes' caches */
  arena?: IextArena;
}

export class FuseConn {
  readonly revision: Revision;
  readonly protocol: ProtocolLayout;
  /** fc->iomap */
  iomap: boolean;
  protoMinor: number;
  readonly connection: number;
  readonly registry: DeviceRegistry;
  checkDeviceAccess: boolean;
  refuseOPathDevices: boolean;
  maxBytes: bigint;
  blockSize: bigint;
  readonly debug: boolean;
  readonly traceLocks: boolean;
  readonly cacheMaxBytes: number | undefined;
  readonly arena: IextArena | undefined;
  private sinkFn: FuseEventSink | undefined;
  onHazard: ((hit: HazardHit) => void) | undefined;
  /** iomap_conn.device_map / the backing idr, iomap entries only */
  readonly devices = new Map<number, FuseDevice>();
  /** what fuse_ilookup finds, by nodeid */
  readonly inodes = new Map<bigint, FuseInode>();
  private lastDeviceId = 0;

  constructor(opts: ConnOptions = {}) {
    this.revision = opts.revision ?? DEFAULT_REVISION;
    this.protocol = protocolFor(this.revision);
    this.iomap = opts.iomap ?? true;
    this.protoMinor = opts.protoMinor ?? FUSE_KERNEL_MINOR_VERSION_RFC_V3;
    this.connection = opts.connection ?? 0;
    this.registry = opts.registry ?? (this.protocol.name === 'v7' ? 'backing' : 'iomap-dev-add');
    this.checkDeviceAccess = opts.checkDeviceAccess ?? false;
    this.refuseOPathDevices = opts.refuseOPathDevices ?? false;
    this.maxBytes = opts.maxBytes ?? S64_MAX;
    this.blockSize = opts.blockSize ?? 4096n;
    this.debug = opts.debug ?? false;
    this.traceLocks = opts.traceLocks ?? false;
    this.cacheMaxBytes = opts.cacheMaxBytes;
    this.arena = opts.arena;
    this.sinkFn = opts.sink;
    this.onHazard = opts.onHazard;
  }

  /** where every event of the connection goes (settable at any time) */
  get sink(): FuseEventSink | undefined {
    return this.sinkFn;
  }
  set sink(fn: FuseEventSink | undefined) {
    this.sinkFn = fn;
    // the caches skip building events when they have no sink: keep theirs in step
    for (const inode of this.inodes.values()) {
      const cache = inode.cacheOrNull;
      if (cache) cache.sink = fn ? (ev) => this.sinkFn?.(ev) : undefined;
    }
  }

  // ---------------------------------------------------------------- devices

  /** Highest id + 1 the registry hands out (idr end). */
  private deviceIdEnd(): number {
    return this.registry === 'backing' ? 1025 : INT_MAX + 1;
  }

  /**
   * fuse_iomap_dev_add (001 L2476-2517) or fuse_backing_open with the iomap
   * backing ops (000): returns the new device cookie (>= 1) or a negative
   * errno. Devices are never removed before unmount in either version, so
   * the cyclic idr hands out ids in order and fails with -ENOSPC when full.
   */
  addDevice(spec: DeviceSpec): number {
    // !fc->iomap -> -EPERM (fuse_iomap_dev_add / fuse_iomap_may_admin)
    if (!this.iomap) return -EPERM;
    // map->flags || map->padding -> -EINVAL (backing: flags other than the type)
    if (spec.flags) return -EINVAL;
    const fmode = spec.fmode ?? FMODE_READ | FMODE_WRITE;
    // proposed in seed 000: I_BDEV() of an O_PATH file's host is garbage
    if (this.registry === 'backing' && this.refuseOPathDevices && fmode & FMODE_PATH) return -EBADF;
    // not S_ISBLK -> -ENODEV (fuse_iomap_may_open)
    if (spec.blockDevice === false) return -ENODEV;
    if (spec.sizeBytes < 0n) throw new RangeError(`device size ${spec.sizeBytes} is negative`);
    const id = this.lastDeviceId + 1;
    if (id >= this.deviceIdEnd()) return -ENOSPC;
    this.lastDeviceId = id;
    // the kernel only knows whole 512-byte sectors
    const dev: FuseDevice = { id, sizeBytes: (spec.sizeBytes >> 9n) << 9n, fmode, name: spec.name ?? `dev${id}` };
    this.devices.set(id, dev);
    return id;
  }

  /**
   * fuse_iomap_find_dev (001 L2303-2321; 000 with fuse_backing_lookup):
   * look the cookie up unless it is DEV_NULL or >= INT_MAX; a MAPPED or
   * UNWRITTEN mapping without a device is bad data (-EIO in rfc-v3,
   * -EFSCORRUPTED in v7). With checkDeviceAccess, the seed-000 proposal
   * fuse_iomap_validate_bdev_access follows: a write mapping needs a
   * device opened read-write, a read mapping one opened for reading.
   */
  findDev(type: number, cookie: number, dir?: IoDir): FindDevResult {
    let dev: FuseDevice | null = null;
    if (cookie !== 0 && cookie < INT_MAX) dev = this.devices.get(cookie) ?? null;
    const p = this.protocol;
    if ((type === p.typeMapped || type === p.typeUnwritten) && !dev) return { err: -p.badDataErrno, dev: null };
    if (this.checkDeviceAccess && dir && dev) {
      const need = dir === 'write' ? FMODE_READ | FMODE_WRITE : FMODE_READ;
      if ((dev.fmode & need) !== need) return { err: -EACCES, dev: null };
    }
    return { err: 0, dev };
  }

  // ----------------------------------------------------------------- inodes

  /** Make an inode fuse_ilookup can find (as a LOOKUP reply would). */
  addInode(spec: InodeSpec): FuseInode {
    if (this.inodes.has(spec.nodeid)) throw new Error(`nodeid ${spec.nodeid} is already in the inode table`);
    const inode = new FuseInode(this, spec);
    this.inodes.set(spec.nodeid, inode);
    return inode;
  }

  /** fuse_ilookup(fc, nodeid, NULL): the inode, or undefined (the caller returns -ESTALE) */
  ilookup(nodeid: bigint): FuseInode | undefined {
    return this.inodes.get(nodeid);
  }

  /** Eviction: the inode leaves the table and its cache is freed. */
  forgetInode(nodeid: bigint): boolean {
    const inode = this.inodes.get(nodeid);
    if (!inode) return false;
    inode.evict();
    return this.inodes.delete(nodeid);
  }

  /** @internal: the inode-state events of the cache get fi->state added here */
  forwardRevisionEvent(inode: FuseInode, ev: RevisionEvent): void {
    if (!this.sink) return;
    if (ev.name === 'fuse_iomap_cache_cleanup') this.sink(ev);
    else this.sink({ name: ev.name, inode: ev.inode, isize: ev.isize, state: inode.state });
  }
}
