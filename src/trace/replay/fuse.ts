// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay of a fuse-dialect trace: every cache call the trace records
 * (fuse_iomap_cache_add, _remove, _lookup, _invalidate_range, and the lock
 * events when present) is executed again on an IomapCache per inode, and
 * every event the model fires is compared, field by field, with the next
 * event of that inode in the trace. Leaf pointers are checked through a
 * one-to-one PointerMap against the model's leaf blocks.
 */
import { Fork } from '../../cache/constants.js';
import type { CacheEvent } from '../../cache/events.js';
import { type CachedMapping, IomapCache } from '../../cache/iomap-cache.js';
import { FUSE_GEOMETRY } from '../../iext/geometry.js';
import { emptyMapping } from '../../iext/record.js';
import { formatFuseEvent } from '../fuse-format.js';
import type { TraceEvent } from '../parse/line.js';
import { decodeBody } from '../schema/compile.js';
import { FUSE_SCHEMAS } from '../schema/registry.js';
import type { Fields } from '../schema/types.js';
import { PointerMap } from './pointer-map.js';
import { ContextRing, type Divergence, type ReplayReport } from './report.js';

export interface FuseReplayOptions {
  /** i_blocksize of the inodes (not in the trace) */
  blockSize: bigint;
  /** s_maxbytes of the superblock (not in the trace) */
  maxBytes: bigint;
  context?: number;
}

/** The calls a trace records; everything else they fire follows them. */
const CALLS = new Set(['fuse_iomap_cache_add', 'fuse_iomap_cache_remove', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_invalidate_range', 'fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock']);
const LOCKS = new Set(['fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock']);
/** Events the model fires (checked when they appear). */
const MODELLED = new Set([...CALLS, 'fuse_iext_insert', 'fuse_iext_remove', 'fuse_iext_pre_update', 'fuse_iext_post_update', 'fuse_iext_add_mapping', 'fuse_iext_del_mapping', 'fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right', 'fuse_iext_del_mapping_got', 'fuse_iomap_cache_lookup_result', 'fuse_iext_check_mapping']);
/** Fields the model cannot know: the caller's return address. Leaf pointers are checked apart. */
const NOT_COMPARED = new Set(['caller_ip', 'leaf']);

interface InodeState {
  key: string;
  cache: IomapCache;
  /** events the model fired that the trace has not shown yet, and leaf blocks it freed between them */
  expected: Array<CacheEvent | string>;
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
const u64 = (x: bigint) => BigInt.asUintN(64, x);
const hex = (v: bigint | string) => (typeof v === 'bigint' ? '0x' + u64(v).toString(16) : v);

export class FuseReplay {
  private readonly inodes = new Map<string, InodeState>();
  private readonly unknown = new Map<string, number>();
  private readonly pointers = new PointerMap();
  private readonly ring: ContextRing;
  private readonly perEvent: Record<string, number> = {};
  private events = 0;
  private checked = 0;
  private seqChecks = 0;
  private readonly divergent: Divergence[] = [];
  lostEvents = 0;
  lostMarkers = 0;
  problems = 0;

  constructor(private readonly opts: FuseReplayOptions) {
    this.ring = new ContextRing(opts.context ?? 8);
  }

  lost(count: number | null): void {
    this.lostMarkers++;
    this.lostEvents += count ?? 0;
  }

  feed(ev: TraceEvent): void {
    this.events++;
    this.perEvent[ev.name] = (this.perEvent[ev.name] ?? 0) + 1;
    this.ring.push(`${ev.line}: ${ev.raw.trim()}`);
    if (ev.dialect !== 'fuse' || !MODELLED.has(ev.name)) return;
    const key = `connection ${ev.fields.connection} ino ${ev.fields.ino}`;
    if (this.unknown.has(key)) {
      this.unknown.set(key, this.unknown.get(key)! + 1);
      return;
    }
    let st = this.inodes.get(key);
    if (!st) {
      // A history that does not open with a cache call began before the trace.
      if (!CALLS.has(ev.name)) {
        this.unknown.set(key, 1);
        return;
      }
      st = this.newInode(key, ev.fields);
    }
    if (st.diverged) return;
    this.releaseFreed(st);
    if (LOCKS.has(ev.name) && !st.cache.traceLocks && st.expected.length > 0) {
      // The first lock event inside a call (invalidate_range locks internally):
      // the trace has lock events, so the model fires them from now on.
      st.cache.traceLocks = true;
      return;
    }
    if (st.expected.length === 0) {
      if (!CALLS.has(ev.name)) return this.diverge(st, ev, `the trace has ${ev.name} where the model fired nothing (no cache call pending)`);
      this.execute(st, ev.name, ev.fields);
      this.releaseFreed(st);
      if (st.expected.length === 0) return this.diverge(st, ev, `the model fired nothing for ${ev.name}`);
    }
    this.compare(st, ev);
  }

  private newInode(key: string, f: Fields): InodeState {
    const ids = { connection: Number(f.connection), ino: f.ino as bigint, nodeid: (f.nodeid as bigint | undefined) ?? 0n };
    const st: InodeState = { key, cache: undefined!, expected: [], diverged: false };
    st.cache = new IomapCache(
      { ids, isize: (f.isize as bigint | undefined) ?? 0n, blockSize: this.opts.blockSize, maxBytes: this.opts.maxBytes },
      {
        geometry: FUSE_GEOMETRY,
        sink: (e) => st.expected.push(e),
        onAlloc: (fork, a) => {
          if (a.kind !== 'leaf') return;
          // released in order with the events, when the comparison gets there
          if (a.op === 'free') st.expected.push(`${key}/${a.addr}`);
          else if (a.op === 'realloc' && a.moved) st.expected.push(`${key}/${a.oldAddr}`);
        },
      },
    );
    st.cache.enabled = true; // FUSE_I_IOMAP_CACHE: the trace shows the cache in use
    this.inodes.set(key, st);
    return st;
  }

  /** Re-run one recorded call on the model (the model's events queue up in expected). */
  private execute(st: InodeState, name: string, f: Fields): void {
    const c = st.cache;
    if (f.isize !== undefined) c.inode.isize = f.isize as bigint;
    if (f.nodeid !== undefined) c.inode.ids.nodeid = f.nodeid as bigint;
    const fork = f.whichfork === 1n ? Fork.WRITE : Fork.READ;
    switch (name) {
      case 'fuse_iomap_cache_add': {
        const map = { offset: s64(f.offset as bigint), length: f.length as bigint, addr: f.addr as bigint, type: Number(f.maptype), flags: Number(f.mapflags), dev: Number(f.dev) };
        c.cacheAdd(fork, map);
        break;
      }
      case 'fuse_iomap_cache_remove':
        c.cacheRemove(fork, s64(f.offset as bigint), f.length as bigint);
        break;
      case 'fuse_iomap_cache_lookup': {
        const mval: CachedMapping = { ...emptyMapping(), validityCookie: 0n };
        c.cacheLookup(fork, s64(f.pos as bigint), f.count as bigint, mval);
        break;
      }
      case 'fuse_iomap_cache_invalidate_range':
        c.invalidateRange(s64(f.offset as bigint), f.length as bigint);
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

  /** Leaf blocks the model freed before its next event: their pointers may come back. */
  private releaseFreed(st: InodeState): void {
    while (st.expected.length && typeof st.expected[0] === 'string') this.pointers.release(st.expected.shift() as string);
  }

  /** Compare the trace's event with the next one the model fired. */
  private compare(st: InodeState, ev: TraceEvent): void {
    const want = st.expected.shift() as CacheEvent;
    if (want.name !== ev.name) return this.diverge(st, ev, `the trace has ${ev.name} where the model fired ${want.name}: ${formatFuseEvent(want)}`);
    const text = formatFuseEvent(want);
    // Fast path: the same text but for the leaf pointer and the caller. Else
    // compare decoded fields (other labels, raw pointers), naming the first that differs.
    if (comparable(text) !== comparable(bodyOf(ev))) {
      const schema = FUSE_SCHEMAS.get(want.name)!;
      const model = decodeBody(schema, text);
      if (typeof model === 'string') return this.diverge(st, ev, `internal: the model's own text does not parse: ${model}`);
      for (const spec of schema.fields) {
        if (NOT_COMPARED.has(spec.field)) continue;
        const a = ev.fields[spec.field];
        const b = model[spec.field];
        if (a !== b) return this.diverge(st, ev, `field ${spec.field}: trace ${hex(a)}, model ${hex(b)}`);
      }
    }
    if ('leafAddr' in want) {
      const why = this.pointers.pair(ev.fields.leaf as string, want.leafAddr === 0 ? null : `${st.key}/${want.leafAddr}`);
      if (why) return this.diverge(st, ev, `leaf identity: ${why}`);
    }
    if (want.name === 'fuse_iomap_cache_lookup_result') this.seqChecks++; // the cookie is im_seq
    this.checked++;
  }

  private diverge(st: InodeState, ev: TraceEvent, what: string): void {
    st.diverged = true;
    this.divergent.push({ line: ev.line, event: ev.name, where: st.key, what, context: this.ring.snapshot() });
  }

  /** The report; events the model fired that never showed up in the trace count as a divergence. */
  finish(): ReplayReport {
    for (const st of this.inodes.values()) {
      this.releaseFreed(st);
      if (st.diverged || st.expected.length === 0) continue;
      st.diverged = true;
      const e = st.expected[0] as CacheEvent;
      this.divergent.push({ line: -1, event: e.name, where: st.key, what: `the trace ended where the model fired ${e.name}: ${formatFuseEvent(e)}`, context: this.ring.snapshot() });
    }
    const sorted = [...this.divergent].sort((a, b) => (a.line < 0 ? Infinity : a.line) - (b.line < 0 ? Infinity : b.line));
    let unknownEvents = 0;
    for (const n of this.unknown.values()) unknownEvents += n;
    return {
      dialect: 'fuse',
      events: this.events,
      perEvent: this.perEvent,
      checked: this.checked,
      inodesChecked: this.inodes.size,
      unknownStart: [...this.unknown.keys()],
      unknownStartEvents: unknownEvents,
      divergences: this.divergent.length,
      first: sorted[0] ?? null,
      divergent: sorted.map((d) => ({ where: d.where, line: d.line, what: d.what })),
      lostEvents: this.lostEvents,
      lostMarkers: this.lostMarkers,
      problems: this.problems,
      seqChecks: this.seqChecks,
    };
  }
}
