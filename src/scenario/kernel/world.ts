// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel a scenario runs against: a fuse connection (src/protocol)
 * with its devices and inodes, the scripted server, the iomap environment,
 * the named iomaps that `begin` handed out and the writeback contexts.
 * Every event of a command is collected by name for its output line and
 * printed as trace text in firing order.
 */
import type { CacheEvent, RevisionEvent } from '../../cache/events.js';
import type { HazardHit } from '../../cache/hazards.js';
import type { Revision } from '../../cache/revision.js';
import { FuseConn } from '../../protocol/conn.js';
import type { FuseEvent, ProtocolEvent } from '../../protocol/events.js';
import type { FuseInode } from '../../protocol/inode.js';
import { beginRetryType } from '../../protocol/layout.js';
import { beginValidate } from '../../protocol/validate.js';
import type { IomapEnv, KernelInode } from '../../iomap/env.js';
import type { IomapEvent } from '../../iomap/events.js';
import type { Iomap } from '../../iomap/iomap.js';
import type { WritepageCtx } from '../../iomap/revalidate.js';
import { ScriptedServer, type ServerNotification } from '../../iomap/server.js';
import { type FuseTraceFormat, traceFormatOf } from '../../trace/revision.js';
import type { KernelSetup } from './parse.js';
import { formatIomapEvent, formatProtocolEvent } from './trace-text.js';

/** What `begin` handed out, kept under its name for revalidate/end. */
export interface Handle {
  inode: FuseInode;
  pos: bigint;
  count: bigint;
  opflags: number;
  ret: number;
  iomap: Iomap;
  srcmap: Iomap;
}

export interface WorldOptions {
  revision: Revision;
  blockSize: bigint;
  maxBytes: bigint;
  debug?: boolean;
  lockEvents?: boolean;
  cacheMaxBytes?: number;
  /** the cache's tracepoints (the fixtures' event set) */
  cacheSink?: (ev: CacheEvent) => void;
  /** revision-only cache events; the notification layer's fuse_iomap_cache_enable arrives here too */
  revisionSink?: (ev: RevisionEvent) => void;
  /** every other tracepoint of this layer, as name and TP_printk body */
  traceLine?: (name: string, body: string) => void;
  onHazard?: (hit: HazardHit) => void;
}

const PROTOCOL_EVENTS = new Set(['fuse_iomap_upsert', 'fuse_iomap_upsert_mappings', 'fuse_iomap_inval', 'fuse_iomap_inval_mappings', 'fuse_iomap_cache_enable', 'fuse_iomap_cache_alloc', 'fuse_iomap_cache_free']);

/** The scenario's fixture inode: ino 12, nodeid 7, connection 1. */
export const DEFAULT_INODE = { nodeid: 7n, attrIno: 12n, connection: 1 } as const;

export class KernelWorld {
  readonly conn: FuseConn;
  readonly server = new ScriptedServer();
  readonly env: IomapEnv;
  /** the first inode: the fixture commands (upsert, lookup, dump, ...) work on its cache */
  readonly primary: FuseInode;
  readonly handles = new Map<string, Handle>();
  readonly wpcs = new Map<string, WritepageCtx>();
  /** notifications `server upsert|inval` queued for the next answer */
  pendingNotify: ServerNotification[] = [];
  /** event names and hazard ids of the command running now */
  events: string[] = [];
  hazards: string[] = [];
  readonly format: FuseTraceFormat;
  readonly atomicOTrunc: boolean;
  private readonly adapters = new Map<FuseInode, KernelInode>();

  constructor(setup: KernelSetup, o: WorldOptions) {
    const c = setup.conn;
    this.format = traceFormatOf(o.revision);
    this.atomicOTrunc = c?.atomicOTrunc ?? true;
    const onHazard = (hit: HazardHit) => {
      this.hazards.push(hit.hazard.id);
      o.onHazard?.(hit);
    };
    this.conn = new FuseConn({
      revision: o.revision,
      iomap: c?.iomap ?? true,
      protoMinor: c?.protoMinor,
      connection: c?.connection ?? DEFAULT_INODE.connection,
      checkDeviceAccess: c?.checkAccess ?? false,
      maxBytes: o.maxBytes,
      blockSize: o.blockSize,
      debug: o.debug,
      traceLocks: o.lockEvents,
      cacheMaxBytes: o.cacheMaxBytes,
      sink: (ev) => this.route(ev, o),
      onHazard,
    });
    for (const d of setup.devices) {
      const id = this.conn.addDevice({ sizeBytes: d.sizeBytes, fmode: d.fmode, name: d.name });
      if (id !== d.id) throw new Error(`line ${d.line}: the connection refused device ${d.id} (${id})`);
    }
    const inodes = setup.inodes.length ? setup.inodes : [{ line: 0, nodeid: DEFAULT_INODE.nodeid, attrIno: DEFAULT_INODE.attrIno, isize: 0n, fileio: true, bad: false, cache: true }];
    for (const s of inodes) {
      const fi = this.conn.addInode({ nodeid: s.nodeid, attrIno: s.attrIno, isize: s.isize, blockSize: 'blockSize' in s ? s.blockSize : undefined, maxBytes: 'maxBytes' in s ? s.maxBytes : undefined, fileio: s.fileio, bad: s.bad });
      // cache=on: the server has upserted before the scenario starts
      if (s.cache) enableQuietly(fi);
    }
    this.primary = this.conn.ilookup(inodes[0].nodeid)!;
    const p = this.conn.protocol;
    this.env = {
      conn: { hasDevice: (id) => this.conn.devices.has(id), atomicOTrunc: this.atomicOTrunc },
      server: this.server,
      validateBegin: (out, ki, _opflags, pos) => beginValidate(p, out, { blockSize: ki.cache.inode.blockSize, maxBytes: ki.cache.inode.maxBytes, cachesIomaps: ki.cache.enabled }, pos),
      types: { retryType: beginRetryType(p), typePureOverwrite: p.typePureOverwrite, beginOutSharedRange: p.beginOutSharedRange },
      emit: (ev: IomapEvent) => {
        this.events.push(ev.name);
        const body = formatIomapEvent(ev, this.format);
        if (body !== null) o.traceLine?.(ev.name, body);
      },
      onHazard,
      debug: o.debug,
      nullRetryLimit: c?.nullRetryLimit,
      stackGarbage: c?.stackGarbage,
    };
  }

  private route(ev: FuseEvent, o: WorldOptions): void {
    this.events.push(ev.name);
    if (ev.name === 'fuse_iomap_cache_cleanup') return o.revisionSink?.(ev);
    if (!PROTOCOL_EVENTS.has(ev.name)) return o.cacheSink?.(ev as CacheEvent);
    const pev = ev as ProtocolEvent;
    if (o.traceLine) {
      const body = formatProtocolEvent(pev, this.format);
      if (body !== null) o.traceLine(ev.name, body);
    } else if ('state' in pev) o.revisionSink?.({ name: pev.name, inode: pev.inode, isize: pev.isize });
  }

  /** The inode a command targets: nodeid=, else the first one. */
  inode(nodeid: bigint | undefined): FuseInode | undefined {
    return nodeid === undefined ? this.primary : this.conn.ilookup(nodeid);
  }

  /** The iomap layer's view of a fuse inode. */
  kinode(fi: FuseInode): KernelInode {
    let k = this.adapters.get(fi);
    if (!k) {
      k = {
        get cache() {
          return fi.cacheForNotify();
        },
        get fileio() {
          return fi.fileio;
        },
        set fileio(_v: boolean) {
          throw new Error('fileio is fixed at inode setup');
        },
        get bad() {
          return fi.bad;
        },
        set bad(v: boolean) {
          fi.bad = v;
        },
      };
      this.adapters.set(fi, k);
    }
    return k;
  }

  /** Start collecting a command's events and hazards. */
  begin(): void {
    this.events = [];
    this.hazards = [];
  }
}

/** cache=on at setup: FUSE_I_IOMAP_CACHE set (rfc-v3) / cache allocated (v7) before the trace starts */
function enableQuietly(fi: FuseInode): void {
  const cache = fi.cacheForNotify();
  const sink = cache.revisionSink;
  cache.revisionSink = undefined;
  fi.enableCache();
  cache.revisionSink = sink;
}
