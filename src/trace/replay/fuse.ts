// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay of a fuse-dialect trace: every cache call the trace records
 * (fuse_iomap_cache_add, _remove, _lookup, _invalidate_range, and the lock
 * events when present) is executed again on an IomapCache per inode, and
 * every event the model fires is compared, field by field, with the next
 * event of that inode in the trace. Leaf pointers are checked through a
 * one-to-one PointerMap against the model's leaf blocks.
 *
 * Both revisions' texts: the revision (default rfc-v3) gives the model's
 * behaviour and the texts. In v7 an inode's history starts at
 * fuse_iomap_cache_alloc and ends at fuse_iomap_cache_free, and
 * fuse_iomap_cache_cleanup (the size cap's destroy inside an upsert, between
 * the remove and the add the trace shows) is applied as the trace shows it,
 * after checking the fork's byte count it prints.
 */
import { Fork } from '../../cache/constants.js';
import type { CacheEvent } from '../../cache/events.js';
import { type CachedMapping, type CachedMappingI, IomapCache, emptyCachedMappingI } from '../../cache/iomap-cache.js';
import { DEFAULT_REVISION, type Revision } from '../../cache/revision.js';
import { FUSE_GEOMETRY } from '../../iext/geometry.js';
import { emptyMapping, emptyMappingI, type Mapping, type MappingI } from '../../iext/record.js';
import { type I64, s64I, toBig, toI64 } from '../../util/int64.js';
import { formatFuseEventAs } from '../fuse-format.js';
import type { EventBatch } from '../parse/batch.js';
import type { TraceEvent } from '../parse/line.js';
import { detach } from '../parse/detach.js';
import { NameCounts } from '../parse/name-counts.js';
import { type FuseTraceFormat, traceFormatOf } from '../revision.js';
import { decodeBody } from '../schema/compile.js';
import { fuseSchemas } from '../schema/registry.js';
import type { EventSchema, FieldValue, Fields } from '../schema/types.js';
import { COL, ExpectedQueue, FREED, type InodeI, WIDTH, hasLeaf, nameId } from './expected.js';
import { type Agree, ModelFields, NOT_COMPARED } from './model-fields.js';
import { PointerMap } from './pointer-map.js';
import { ContextRing, type Divergence, type ReplayReport } from './report.js';

export interface FuseReplayOptions {
  /** i_blocksize of the inodes (not in the trace) */
  blockSize: bigint;
  /** s_maxbytes of the superblock (not in the trace) */
  maxBytes: bigint;
  context?: number;
  /** the kernel revision that wrote the trace: its cache behaviour and its texts (default rfc-v3) */
  revision?: Revision;
  /** v7: the server's cache_maxbytes, when known; a cleanup of a fork not over it diverges */
  cacheMaxBytes?: number;
}

const BASIC_CALLS = ['fuse_iomap_cache_add', 'fuse_iomap_cache_remove', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_invalidate_range'];
const LOCKS = new Set(['fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock']);
/** v7: the cache object's life and the cap's destroy */
const V7_LIFE = ['fuse_iomap_cache_alloc', 'fuse_iomap_cache_free', 'fuse_iomap_cache_cleanup'];
/** The calls a trace records (everything else they fire follows them), per revision's texts. */
const CALLS: Record<FuseTraceFormat, ReadonlySet<string>> = {
  'rfc-v3': new Set([...BASIC_CALLS, ...LOCKS]),
  v7: new Set([...BASIC_CALLS, ...V7_LIFE]),
};
const FIRED = ['fuse_iext_insert', 'fuse_iext_remove', 'fuse_iext_pre_update', 'fuse_iext_post_update', 'fuse_iext_add_mapping', 'fuse_iext_del_mapping', 'fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right', 'fuse_iext_del_mapping_got', 'fuse_iomap_cache_lookup_result', 'fuse_iext_check_mapping'];
/** Events the model fires (checked when they appear). */
const MODELLED: Record<FuseTraceFormat, ReadonlySet<string>> = {
  'rfc-v3': new Set([...CALLS['rfc-v3'], ...FIRED]),
  v7: new Set([...CALLS.v7, ...FIRED]),
};

/** Where each revision's texts keep a call's arguments (the TP_STRUCT__entry names). */
interface CallFields {
  fork: string;
  /** fuse_iomap_cache_add's mapping: offset, length, addr, type, flags, dev */
  map: readonly [string, string, string, string, string, string];
  /** _remove and _invalidate_range: offset, length; _lookup: pos, count */
  range: readonly [string, string];
  lookup: readonly [string, string];
}
const CALL_FIELDS: Record<FuseTraceFormat, CallFields> = {
  'rfc-v3': { fork: 'whichfork', map: ['offset', 'length', 'addr', 'maptype', 'mapflags', 'dev'], range: ['offset', 'length'], lookup: ['pos', 'count'] },
  v7: { fork: 'iodir', map: ['mapoffset', 'maplength', 'mapaddr', 'maptype', 'mapflags', 'mapdev'], range: ['offset', 'length'], lookup: ['offset', 'length'] },
};

/** Where a batch row of one schema has the fields the fast path reads (-1: not in it). */
interface Slots {
  schema: EventSchema;
  /** the row can take the fast path (connection and ino are there) */
  ok: boolean;
  /** the name is one of this.modelled, this.calls, LOCKS */
  modelled: boolean;
  call: boolean;
  lock: boolean;
  /** the name's id in an ExpectedQueue entry (expected.ts) */
  nameId: number;
  connection: number;
  ino: number;
  isize: number;
  nodeid: number;
  fork: number;
  map: number[];
  range: number[];
  lookup: number[];
  lockFlags: number;
  leaf: number;
  /** ModelFields' checks of the name and their compiled comparison (made on first use; null: the texts decide) */
  agree: Agree | null | undefined;
}

/** The trace event being replayed, as a divergence names it. */
interface At {
  line: number;
  name: string;
}

/** A model leaf block: its PointerMap name, and the kernel pointer the map has bound to it ('' before the first pairing). */
interface Block {
  name: string;
  pointer: string;
}

interface InodeState {
  key: string;
  cache: IomapCache;
  /** events the model fired that the trace has not shown yet, and leaf blocks it freed between them (FREED entries) */
  expected: ExpectedQueue;
  /** the cache's inode values as I64, every event carries them (only this replay sets them: execute, executeRow) */
  inodeI: InodeI;
  /** its live leaf blocks, by model address (made once per block) */
  blocks: Map<number, Block>;
  diverged: boolean;
}

/** The TP_printk body of a trace line. */
function bodyOf(ev: TraceEvent): string {
  const at = ev.raw.indexOf(`: ${ev.name}: `);
  return at < 0 ? '' : ev.raw.slice(at + ev.name.length + 4).trim();
}

/** A body without its caller symbol and leaf pointer (what the model cannot know, or checks apart). */
function comparable(body: string): string {
  const c = body.lastIndexOf(' caller ');
  if (c >= 0) body = body.slice(0, c);
  const p = body.indexOf(' cur ');
  if (p >= 0) body = body.slice(0, p + 5) + body.slice(body.indexOf('/', p));
  return body;
}

const s64 = (x: bigint) => BigInt.asIntN(64, x);
const LOOKUP_RESULT = nameId('fuse_iomap_cache_lookup_result');
const u64 = (x: bigint) => BigInt.asUintN(64, x);
const hex = (v: bigint | string) => (typeof v === 'bigint' ? '0x' + u64(v).toString(16) : v);

export class FuseReplay {
  private readonly inodes = new Map<string, InodeState>();
  /** events of inodes whose history began before the trace, per inode */
  private readonly unknown = new Map<string, number>();
  /** inodes whose events are being ignored now (unknown start, until a v7 alloc starts a new life) */
  private readonly ignoring = new Set<string>();
  /** v7 cache lives that ended with fuse_iomap_cache_free */
  private ended = 0;
  private readonly revision: Revision;
  private readonly format: FuseTraceFormat;
  private readonly schemas: ReadonlyMap<string, EventSchema>;
  private readonly calls: ReadonlySet<string>;
  private readonly modelled: ReadonlySet<string>;
  private readonly cf: CallFields;
  private readonly pointers = new PointerMap<Block>((b) => b.name);
  /** the first hashed-pointer collision (ReplayReport.firstPointerCollision) */
  private firstCollision: { line: number; where: string; what: string } | undefined;
  private readonly fields: ModelFields;
  /** inode keys by connection and ino, made once (feed needs one for every event) */
  private readonly keys = new Map<FieldValue | undefined, Map<FieldValue | undefined, string>>();
  private lastKey: { connection: FieldValue | undefined; ino: FieldValue | undefined; key: string } | null = null;
  /** the same keys by the I64 values of a batch row (the same strings) */
  private readonly keysI = new Map<I64, Map<I64, string>>();
  private lastKeyI: { connection: I64; ino: I64; key: string } | null = null;
  /** the inode state of the last row's key (feedRow), while it is in inodes */
  private lastSt: InodeState | null = null;
  /** per name (perEvent's index): where a row of its schema has the fields read here */
  private readonly slots: Array<Slots | undefined> = [];
  private readonly mapI: MappingI = emptyMappingI();
  private readonly mvalI: CachedMappingI = emptyCachedMappingI();
  private readonly ring: ContextRing;
  private readonly perEvent = new NameCounts();
  private events = 0;
  private checked = 0;
  private seqChecks = 0;
  private readonly divergent: Divergence[] = [];
  lostEvents = 0;
  lostMarkers = 0;
  problems = 0;

  constructor(private readonly opts: FuseReplayOptions) {
    this.ring = new ContextRing(opts.context ?? 8);
    this.revision = opts.revision ?? DEFAULT_REVISION;
    this.format = traceFormatOf(this.revision);
    this.schemas = fuseSchemas(this.format);
    this.calls = CALLS[this.format];
    this.modelled = MODELLED[this.format];
    this.cf = CALL_FIELDS[this.format];
    this.fields = new ModelFields(this.format, this.schemas);
  }

  private keyOf(f: Fields): string {
    // most events are the previous event's inode's
    const last = this.lastKey;
    if (last !== null && f.connection === last.connection && f.ino === last.ino) return last.key;
    let byIno = this.keys.get(f.connection);
    if (!byIno) this.keys.set(f.connection, (byIno = new Map()));
    let key = byIno.get(f.ino);
    if (key === undefined) byIno.set(f.ino, (key = `connection ${f.connection} ino ${f.ino}`));
    this.lastKey = { connection: f.connection, ino: f.ino, key };
    return key;
  }

  /** keyOf for a batch row: the same key from the row's I64 connection and ino */
  private keyOfRow(b: EventBatch, r: number, sl: Slots): string {
    const connection = b.i64(r, sl.connection);
    const ino = b.i64(r, sl.ino);
    const last = this.lastKeyI;
    if (last !== null && connection === last.connection && ino === last.ino) return last.key;
    let byIno = this.keysI.get(connection);
    if (!byIno) this.keysI.set(connection, (byIno = new Map()));
    let key = byIno.get(ino);
    if (key === undefined) byIno.set(ino, (key = `connection ${connection} ino ${ino}`));
    this.lastKeyI = { connection, ino, key };
    return key;
  }

  private slotsOf(schema: EventSchema): Slots {
    const at = (f: string) => schema.slots.get(f) ?? -1;
    const cf = this.cf;
    const sl: Slots = {
      schema,
      ok: false,
      modelled: this.modelled.has(schema.name),
      call: this.calls.has(schema.name),
      lock: LOCKS.has(schema.name),
      nameId: nameId(schema.name),
      connection: at('connection'),
      ino: at('ino'),
      isize: at('isize'),
      nodeid: at('nodeid'),
      fork: at(cf.fork),
      map: cf.map.map(at),
      range: cf.range.map(at),
      lookup: cf.lookup.map(at),
      lockFlags: at('lock_flags'),
      leaf: at('leaf'),
      agree: undefined,
    };
    // the fast path reads what the object path reads; a schema without those fields goes that way
    // and a call's arguments are all there (else the object path, as before)
    const name = schema.name;
    const args = name === 'fuse_iomap_cache_add' ? sl.map : name === 'fuse_iomap_cache_lookup' ? sl.lookup : name === 'fuse_iomap_cache_remove' || name === 'fuse_iomap_cache_invalidate_range' ? sl.range : LOCKS.has(name) ? [sl.lockFlags] : [];
    sl.ok = sl.connection >= 0 && sl.ino >= 0 && args.every((k) => k >= 0) && schema === this.schemas.get(name) && schema.fields.every((f) => f.field !== 'leaf' || f.decode.kind === 'ptr');
    return sl;
  }

  /** the model's text of an event it fired (never null: the model fires only this revision's events) */
  private text(e: CacheEvent): string {
    return formatFuseEventAs(e, this.format) ?? `${e.name} (not a ${this.format} tracepoint)`;
  }

  lost(count: number | null): void {
    this.lostMarkers++;
    this.lostEvents += count ?? 0;
  }

  feed(ev: TraceEvent): void {
    this.events++;
    this.perEvent.add(ev.name);
    this.ring.push(ev.line, ev.raw, 0, ev.raw.length);
    this.dispatch(ev);
  }

  /**
   * feed() of row r of a batch (parse/batch.ts): the calls and the events
   * they fire read from the row's columns, compared as numbers; the
   * TraceEvent is made only where something does not agree, and for the
   * rare events (a new inode, v7's alloc/free/cleanup), which take feed's path.
   */
  feedRow(b: EventBatch, r: number): void {
    const schema = b.schema[r]!;
    const name = schema.name;
    this.events++;
    const i = this.perEvent.addSchema(schema);
    this.ring.push(b.line[r], b.text[r], b.start[r], b.end[r]);
    if (schema.dialect !== 'fuse') return;
    let sl = this.slots[i];
    if (sl === undefined || sl.schema !== schema) sl = this.slots[i] = this.slotsOf(schema);
    if (!sl.modelled) return;
    if (!sl.ok || name === 'fuse_iomap_cache_alloc' || name === 'fuse_iomap_cache_free' || name === 'fuse_iomap_cache_cleanup') return this.dispatch(b.event(r));
    const key = this.keyOfRow(b, r, sl);
    if (this.ignoring.size !== 0 && this.ignoring.has(key)) {
      this.unknown.set(key, this.unknown.get(key)! + 1);
      return;
    }
    let st = this.lastSt;
    if (st === null || st.key !== key) {
      st = this.inodes.get(key) ?? null;
      if (st === null) return this.dispatch(b.event(r));
      this.lastSt = st;
    }
    if (st.diverged) return;
    this.releaseFreed(st);
    if (sl.lock && !st.cache.traceLocks && st.expected.length > 0) {
      // as in dispatch: the first lock event inside a call
      st.cache.traceLocks = true;
      return;
    }
    if (st.expected.length === 0) {
      if (!sl.call) return this.diverge(st, { line: b.line[r], name }, `the trace has ${name} where the model fired nothing (no cache call pending)`);
      this.executeRow(st, name, b, r, sl);
      this.releaseFreed(st);
      if (st.expected.length === 0) return this.diverge(st, { line: b.line[r], name }, `the model fired nothing for ${name}`);
    }
    const q = st.expected;
    const e = q.head;
    const id = q.nameAt(e);
    if (id !== sl.nameId) {
      const want = q.eventAt(e);
      return this.diverge(st, { line: b.line[r], name }, `the trace has ${name} where the model fired ${want.name}: ${this.text(want)}`);
    }
    // the entry's name is the row's: the row's schema's checks
    let agree = sl.agree;
    if (agree === undefined) {
      const checks = this.fields.checksOf(name);
      agree = sl.agree = checks === null ? null : this.fields.agreeOf(checks);
    }
    if ((agree === null || !agree(q, e, b, r)) && this.mismatch(st, b.event(r), q.eventAt(e))) return;
    const leafAddr = q.num[e * WIDTH + COL.LEAF_ADDR];
    q.shift();
    // (a batch's pointer texts are kept strings already: PointerMap.pair need not copy them)
    this.checkLeaf(st, id, leafAddr, { line: b.line[r], name }, sl.leaf >= 0 ? b.ptr(r, sl.leaf) : (undefined as unknown as string), true);
  }

  /** feed() after the counts and the context: the replay of one event */
  private dispatch(ev: TraceEvent): void {
    if (ev.dialect !== 'fuse' || !this.modelled.has(ev.name)) return;
    const key = this.keyOf(ev.fields);
    // v7: fuse_iomap_cache_alloc starts a cache's life, seen from its creation
    if (ev.name === 'fuse_iomap_cache_alloc') return this.alloc(key, ev);
    if (this.ignoring.has(key)) {
      this.unknown.set(key, this.unknown.get(key)! + 1);
      return;
    }
    let st = this.inodes.get(key);
    if (!st) {
      // A history that does not open with a cache call (v7: with the
      // cache's alloc) began before the trace.
      if (this.format === 'v7' || !this.calls.has(ev.name)) {
        this.unknown.set(key, (this.unknown.get(key) ?? 0) + 1);
        this.ignoring.add(key);
        return;
      }
      st = this.newInode(key, ev.fields);
    }
    if (st.diverged) return;
    this.releaseFreed(st);
    if (ev.name === 'fuse_iomap_cache_free' || ev.name === 'fuse_iomap_cache_cleanup') {
      if (st.expected.length) {
        const want = st.expected.eventAt(st.expected.head);
        return this.diverge(st, ev, `the trace has ${ev.name} where the model fired ${want.name}: ${this.text(want)}`);
      }
      return ev.name === 'fuse_iomap_cache_free' ? this.free(st) : this.cleanup(st, ev);
    }
    if (LOCKS.has(ev.name) && !st.cache.traceLocks && st.expected.length > 0) {
      // The first lock event inside a call (invalidate_range locks internally):
      // the trace has lock events, so the model fires them from now on.
      st.cache.traceLocks = true;
      return;
    }
    if (st.expected.length === 0) {
      if (!this.calls.has(ev.name)) return this.diverge(st, ev, `the trace has ${ev.name} where the model fired nothing (no cache call pending)`);
      this.execute(st, ev.name, ev.fields);
      this.releaseFreed(st);
      if (st.expected.length === 0) return this.diverge(st, ev, `the model fired nothing for ${ev.name}`);
    }
    this.compare(st, ev);
  }

  /** fuse_iomap_cache_alloc (v7): a new cache object, ic_seq at FUSE_IOMAP_INIT_COOKIE */
  private alloc(key: string, ev: TraceEvent): void {
    this.ignoring.delete(key);
    const old = this.inodes.get(key);
    if (old && !old.diverged) return this.diverge(old, ev, 'fuse_iomap_cache_alloc while the inode already has a cache (no fuse_iomap_cache_free before)');
    if (old) return; // a diverged history stays diverged
    this.newInode(key, ev.fields);
    this.checked++;
  }

  /** fuse_iomap_cache_free (v7, at eviction): both forks destroyed, the life ends */
  private free(st: InodeState): void {
    st.cache.clear();
    this.releaseFreed(st);
    this.inodes.delete(st.key);
    this.lastSt = null;
    this.ended++;
    this.checked++;
  }

  /**
   * fuse_iomap_cache_cleanup (v7): inside an upsert the fork held more than
   * cache_maxbytes and is destroyed whole; the trace prints its ir_bytes.
   */
  private cleanup(st: InodeState, ev: TraceEvent): void {
    const fork = ev.fields.iodir === 1n ? Fork.WRITE : Fork.READ;
    const ifp = st.cache.forkPtr(fork);
    if (!ifp) return this.diverge(st, ev, `fuse_iomap_cache_cleanup of the never-used ${ev.fields.iodir === 1n ? 'write' : 'read'} fork`);
    const bytes = BigInt(ifp.bytes);
    if (bytes !== ev.fields.bytes) return this.diverge(st, ev, `field bytes: trace ${hex(ev.fields.bytes)}, model ${hex(bytes)}`);
    const cap = this.opts.cacheMaxBytes;
    if (cap !== undefined && bytes <= BigInt(cap)) return this.diverge(st, ev, `fuse_iomap_cache_cleanup of ${bytes} bytes, not over cache_maxbytes ${cap}`);
    ifp.destroy();
    this.releaseFreed(st);
    this.checked++;
  }

  private newInode(key: string, f: Fields): InodeState {
    const ids = { connection: Number(f.connection), ino: f.ino as bigint, nodeid: (f.nodeid as bigint | undefined) ?? 0n };
    const inodeI: InodeI = { connection: ids.connection, ino: toI64(ids.ino), nodeid: toI64(ids.nodeid), isize: 0 };
    const st: InodeState = { key, cache: undefined!, expected: new ExpectedQueue(), inodeI, blocks: new Map(), diverged: false };
    st.cache = new IomapCache(
      { ids, isize: (f.isize as bigint | undefined) ?? 0n, blockSize: this.opts.blockSize, maxBytes: this.opts.maxBytes },
      {
        geometry: FUSE_GEOMETRY,
        revision: this.revision,
        cacheMaxBytes: this.opts.cacheMaxBytes,
        sinkI: (e) => st.expected.push(e, inodeI),
        onAlloc: (fork, a) => {
          if (a.kind !== 'leaf') return;
          // released in order with the events, when the comparison gets there
          if (a.op === 'free') st.expected.pushFreed(a.addr);
          else if (a.op === 'realloc' && a.moved) st.expected.pushFreed(a.oldAddr);
        },
      },
    );
    inodeI.isize = toI64(st.cache.inode.isize);
    st.cache.enabled = true; // FUSE_I_IOMAP_CACHE: the trace shows the cache in use
    this.inodes.set(key, st);
    this.lastSt = null;
    return st;
  }

  /** Re-run one recorded call on the model (the model's events queue up in expected). */
  private execute(st: InodeState, name: string, f: Fields): void {
    const c = st.cache;
    if (f.isize !== undefined) st.inodeI.isize = toI64((c.inode.isize = f.isize as bigint));
    if (f.nodeid !== undefined) st.inodeI.nodeid = toI64((c.inode.ids.nodeid = f.nodeid as bigint));
    const cf = this.cf;
    const fork = f[cf.fork] === 1n ? Fork.WRITE : Fork.READ;
    const [o, l] = cf.range;
    switch (name) {
      case 'fuse_iomap_cache_add': {
        const [mo, ml, ma, mt, mf, md] = cf.map;
        const map: Mapping = { offset: s64(f[mo] as bigint), length: f[ml] as bigint, addr: f[ma] as bigint, type: Number(f[mt]), flags: Number(f[mf]), dev: Number(f[md]) };
        c.cacheAdd(fork, map);
        break;
      }
      case 'fuse_iomap_cache_remove':
        c.cacheRemove(fork, s64(f[o] as bigint), f[l] as bigint);
        break;
      case 'fuse_iomap_cache_lookup': {
        const mval: CachedMapping = { ...emptyMapping(), validityCookie: 0n };
        c.cacheLookup(fork, s64(f[cf.lookup[0]] as bigint), f[cf.lookup[1]] as bigint, mval);
        break;
      }
      case 'fuse_iomap_cache_invalidate_range':
        c.invalidateRange(s64(f[o] as bigint), f[l] as bigint);
        break;
      case 'fuse_iomap_cache_lock':
        c.traceLocks = true;
        c.lock(Number(f.lock_flags));
        break;
      case 'fuse_iomap_cache_unlock':
        c.traceLocks = true;
        c.unlock(Number(f.lock_flags));
        break;
    }
  }

  /** execute() of a batch row: the same calls on I64 values (the cache's ...I methods) */
  private executeRow(st: InodeState, name: string, b: EventBatch, r: number, sl: Slots): void {
    const c = st.cache;
    if (sl.isize >= 0) {
      const v = b.i64(r, sl.isize);
      // a value the inode already has is not converted again
      if (v !== st.inodeI.isize) {
        c.inode.isize = toBig(v);
        st.inodeI.isize = v;
      }
    }
    if (sl.nodeid >= 0) {
      const v = b.i64(r, sl.nodeid);
      if (v !== st.inodeI.nodeid) {
        c.inode.ids.nodeid = toBig(v);
        st.inodeI.nodeid = v;
      }
    }
    const fork = sl.fork >= 0 && b.i64(r, sl.fork) === 1 ? Fork.WRITE : Fork.READ;
    const [o, l] = sl.range;
    switch (name) {
      case 'fuse_iomap_cache_add': {
        const [mo, ml, ma, mt, mf, md] = sl.map;
        const map = this.mapI;
        map.offset = s64I(b.i64(r, mo));
        map.length = b.i64(r, ml);
        map.addr = b.i64(r, ma);
        map.type = Number(b.i64(r, mt));
        map.flags = Number(b.i64(r, mf));
        map.dev = Number(b.i64(r, md));
        c.cacheAddI(fork, map);
        break;
      }
      case 'fuse_iomap_cache_remove':
        c.cacheRemoveI(fork, s64I(b.i64(r, o)), b.i64(r, l));
        break;
      case 'fuse_iomap_cache_lookup':
        c.cacheLookupI(fork, s64I(b.i64(r, sl.lookup[0])), b.i64(r, sl.lookup[1]), this.mvalI);
        break;
      case 'fuse_iomap_cache_invalidate_range':
        c.invalidateRangeI(s64I(b.i64(r, o)), b.i64(r, l));
        break;
      case 'fuse_iomap_cache_lock':
        c.traceLocks = true;
        c.lock(Number(b.i64(r, sl.lockFlags)));
        break;
      case 'fuse_iomap_cache_unlock':
        c.traceLocks = true;
        c.unlock(Number(b.i64(r, sl.lockFlags)));
        break;
    }
  }

  /** Leaf blocks the model freed before its next event: their pointers may come back. */
  private releaseFreed(st: InodeState): void {
    const q = st.expected;
    while (q.length && q.nameAt(q.head) === FREED) {
      const addr = q.num[q.head * WIDTH + COL.LEAF_ADDR];
      q.shift();
      this.pointers.release(this.block(st, addr));
      st.blocks.delete(addr);
    }
  }

  /** A model leaf block of the inode. */
  private block(st: InodeState, addr: number): Block {
    let b = st.blocks.get(addr);
    if (b === undefined) st.blocks.set(addr, (b = { name: `${st.key}/${addr}`, pointer: '' }));
    return b;
  }

  /** Compare the trace's event with the next one the model fired. */
  private compare(st: InodeState, ev: TraceEvent): void {
    const q = st.expected;
    const id = q.nameAt(q.head);
    const want = q.eventAt(q.head);
    q.shift();
    if (want.name !== ev.name) return this.diverge(st, ev, `the trace has ${ev.name} where the model fired ${want.name}: ${this.text(want)}`);
    // Fast path: every field the same as the model's event prints it
    // (model-fields.ts); else mismatch decides.
    if (!this.fields.agrees(want, ev.fields) && this.mismatch(st, ev, want)) return;
    this.checkLeaf(st, id, 'leafAddr' in want ? want.leafAddr : 0, ev, ev.fields.leaf as string);
  }

  /**
   * Where the fields do not agree number for number: the texts decide, the
   * same but for the leaf pointer and the caller; else the decoded fields
   * (other labels, raw pointers), naming the first that differs. True when
   * that is a divergence.
   */
  private mismatch(st: InodeState, ev: TraceEvent, want: CacheEvent): boolean {
    const text = this.text(want);
    if (comparable(text) === comparable(bodyOf(ev))) return false;
    const schema = this.schemas.get(want.name)!;
    const model = decodeBody(schema, text);
    if (typeof model === 'string') {
      this.diverge(st, ev, `internal: the model's own text does not parse: ${model}`);
      return true;
    }
    for (const spec of schema.fields) {
      if (NOT_COMPARED.has(spec.field)) continue;
      const a = ev.fields[spec.field];
      const b = model[spec.field];
      if (a !== b) {
        this.diverge(st, ev, `field ${spec.field}: trace ${hex(a)}, model ${hex(b)}`);
        return true;
      }
    }
    return false;
  }

  /** The leaf pointer of an event whose fields agree, then the event counts as checked. */
  private checkLeaf(st: InodeState, id: number, leafAddr: number, at: At, leaf: string, kept = false): void {
    if (hasLeaf(id)) {
      if (leafAddr === 0) {
        const why = this.pointers.pair(leaf, null);
        if (why) return this.diverge(st, at, `leaf identity: ${why}`);
      } else {
        // a pointer the map has bound to this block stays bound until the block's release (releaseFreed drops the
        // Block); the row's own string is kept (the parser's pointer texts are no views into a chunk, and the
        // same text comes back as the same string while it is in use: compared by identity)
        const blk = this.block(st, leafAddr);
        if (blk.pointer !== leaf) {
          const why = this.pointers.pair(leaf, blk, kept);
          if (why) return this.diverge(st, at, `leaf identity: ${why}`);
          if (this.pointers.collisions !== 0 && this.firstCollision === undefined) this.firstCollision = { line: at.line, where: st.key, what: this.pointers.lastCollision };
          if (typeof leaf === 'string') blk.pointer = leaf;
        }
      }
    }
    if (id === LOOKUP_RESULT) this.seqChecks++; // the cookie is im_seq
    this.checked++;
  }

  private diverge(st: InodeState, ev: At, what: string): void {
    st.diverged = true;
    this.divergent.push({ line: ev.line, event: ev.name, where: st.key, what: detach(what), context: this.ring.snapshot() });
  }

  /** The report; events the model fired that never showed up in the trace count as a divergence. */
  finish(): ReplayReport {
    for (const st of this.inodes.values()) {
      this.releaseFreed(st);
      if (st.diverged || st.expected.length === 0) continue;
      st.diverged = true;
      const e = st.expected.eventAt(st.expected.head);
      this.divergent.push({ line: -1, event: e.name, where: st.key, what: `the trace ended where the model fired ${e.name}: ${this.text(e)}`, context: this.ring.snapshot() });
    }
    const sorted = [...this.divergent].sort((a, b) => (a.line < 0 ? Infinity : a.line) - (b.line < 0 ? Infinity : b.line));
    let unknownEvents = 0;
    for (const n of this.unknown.values()) unknownEvents += n;
    return {
      dialect: 'fuse',
      events: this.events,
      perEvent: this.perEvent.record(),
      checked: this.checked,
      inodesChecked: this.inodes.size + this.ended,
      unknownStart: [...this.unknown.keys()],
      unknownStartEvents: unknownEvents,
      divergences: this.divergent.length,
      first: sorted[0] ?? null,
      divergent: sorted.map((d) => ({ where: d.where, line: d.line, what: d.what })),
      lostEvents: this.lostEvents,
      lostMarkers: this.lostMarkers,
      problems: this.problems,
      seqChecks: this.seqChecks,
      ...(this.pointers.collisions ? { pointerCollisions: this.pointers.collisions, firstPointerCollision: this.firstCollision } : {}),
    };
  }
}
