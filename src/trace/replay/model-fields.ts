// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuse replay's comparison of a model event with a trace event, field
 * by field, without printing the model's event: for each field of the
 * event's schema, the value the model's event holds for it, brought to
 * what parsing its printed text gives (hex: the u64; decimal: as printed;
 * __print_flags/__print_symbolic: printed with the schema's table and read
 * back, memoised). Equal to decoding fuse-format.ts's text of the event
 * (test/replay-fields.test.ts checks it on every event of the fixtures and
 * on random events). The replay uses it as the fast "equal" answer: where
 * it does not agree, or does not know a field of the event, the text
 * comparison decides and names the field.
 */
import type { CacheEvent } from '../../cache/events.js';
import type { Mapping } from '../../iext/record.js';
import { type I64, toBig } from '../../util/int64.js';
import type { EventBatch } from '../parse/batch.js';
import { printFlags, printSymbolic } from '../print-flags.js';
import type { FuseTraceFormat } from '../revision.js';
import { unprintFlags, unprintSymbolic } from '../schema/compile.js';
import { Memo } from '../schema/memo.js';
import type { EventSchema, FieldSpec, FieldValue } from '../schema/types.js';

type Value = bigint | number;
type Get = (e: CacheEvent) => Value;
// the union's members, for the accessors of the events that have the member
type E = CacheEvent & Record<string, unknown>;

/** Fields the model cannot know (the caller's return address) or that are checked apart (leaf pointers). */
export const NOT_COMPARED: ReadonlySet<string> = new Set(['caller_ip', 'leaf']);

const INODE: Record<string, Get> = {
  connection: (e) => e.inode.connection,
  ino: (e) => e.inode.ino,
  nodeid: (e) => e.inode.nodeid,
  isize: (e) => e.isize,
};

/** A Mapping's six values under the names a text gives them. */
function mapping(pick: (e: E) => Mapping, names: { offset: string; length: string; addr: string; type?: string; flags?: string; dev?: string }): Record<string, Get> {
  const out: Record<string, Get> = {
    [names.offset]: (e) => pick(e as E).offset,
    [names.length]: (e) => pick(e as E).length,
    [names.addr]: (e) => pick(e as E).addr,
  };
  if (names.type) out[names.type] = (e) => pick(e as E).type;
  if (names.flags) out[names.flags] = (e) => pick(e as E).flags;
  if (names.dev) out[names.dev] = (e) => pick(e as E).dev;
  return out;
}

const rec = (e: E) => e.rec as Mapping;
const map = (e: E) => e.map as Mapping;
const got = (e: E) => e.got as Mapping;
const member = (name: string): Get => (e) => (e as E)[name] as Value;
/** A Mapping under prefixed names: rfc-v3's map_offset.., v7's FUSE_IOMAP_MAP_FIELDS(map) mapoffset.. */
const prefixed = (pick: (e: E) => Mapping, p: string) => mapping(pick, { offset: `${p}offset`, length: `${p}length`, addr: `${p}addr`, type: `${p}type`, flags: `${p}flags`, dev: `${p}dev` });

const IEXT = ['fuse_iext_insert', 'fuse_iext_remove', 'fuse_iext_pre_update', 'fuse_iext_post_update'];
const UPDATE = ['fuse_iext_add_mapping', 'fuse_iext_del_mapping'];
const ALT = ['fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right', 'fuse_iext_del_mapping_got'];

/** Per revision's texts and event: where each field's value is in the CacheEvent. */
function accessors(format: FuseTraceFormat): Map<string, Record<string, Get>> {
  const m = new Map<string, Record<string, Get>>();
  const set = (names: string[], a: Record<string, Get>) => names.forEach((n) => m.set(n, { ...INODE, ...a }));
  const state = { iext_state: member('state') };
  const fork: Record<string, Get> = format === 'v7' ? { iodir: member('fork') } : { whichfork: member('fork') };
  const range = { offset: member('offset'), length: member('length') };
  if (format === 'v7') {
    set(IEXT, { ...state, pos: member('pos'), ...prefixed(rec, 'map') });
    set(UPDATE, { ...state, ...prefixed(map, 'map') });
    set(ALT, prefixed(map, 'map'));
    set(['fuse_iomap_cache_remove'], { ...range, ...fork });
    set(['fuse_iomap_cache_add', 'fuse_iext_check_mapping'], { ...fork, ...prefixed(map, 'map') });
    set(['fuse_iomap_cache_lookup'], { offset: member('pos'), length: member('count'), ...fork });
    set(['fuse_iomap_cache_lookup_result'], { offset: member('pos'), length: member('count'), ...fork, ...prefixed(map, 'map'), ...prefixed(got, 'got'), validity_cookie: member('cookie') });
  } else {
    set(IEXT, { ...state, pos: member('pos'), ...mapping(rec, { offset: 'offset', length: 'length', addr: 'addr', type: 'type', flags: 'mapflags', dev: 'dev' }) });
    set(UPDATE, { ...state, ...prefixed(map, 'map_') });
    set(ALT, prefixed(map, 'map_'));
    set(['fuse_iomap_cache_remove'], { ...fork, ...range });
    set(['fuse_iomap_cache_add', 'fuse_iext_check_mapping'], { ...fork, ...mapping(map, { offset: 'offset', length: 'length', addr: 'addr', type: 'maptype', flags: 'mapflags', dev: 'dev' }) });
    set(['fuse_iomap_cache_lookup'], { ...fork, pos: member('pos'), count: member('count') });
    set(['fuse_iomap_cache_lookup_result'], {
      ...fork,
      pos: member('pos'),
      count: member('count'),
      ...prefixed(map, 'map_'),
      ...mapping(got, { offset: 'got_offset', length: 'got_length', addr: 'got_addr' }),
      validity_cookie: member('cookie'),
    });
    set(['fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock'], { lock_flags: member('lockFlags') });
  }
  set(['fuse_iomap_cache_invalidate_range'], range);
  return m;
}

/** One compared field: where its value is and how its text reads back. */
export interface Check {
  spec: FieldSpec;
  get: Get;
  kind: 'dec' | 'hex' | 'table';
  /** flags/symbolic: the table's rendering of a value, read back */
  table: Memo<number, bigint | null> | null;
  /** the field's slot in a batch row of the schema (parse/batch.ts) */
  slot: number;
}

/** What the parse of the model's text gives for a value (null: the text would not parse). */
function canonical(c: Check, v: Value): bigint | null {
  if (c.kind === 'dec') return BigInt(v);
  if (c.kind === 'hex') return BigInt.asUintN(64, BigInt(v));
  return c.table!.get(Number(v));
}

const TWO_64 = 1n << 64n;

/** Whether the trace's value a is what the model's value v prints as, without allocating in the common cases. */
function same(c: Check, a: FieldValue | undefined, v: Value): boolean {
  if (typeof a !== 'bigint') return false;
  if (typeof v === 'number' && c.kind !== 'table') {
    if (!Number.isSafeInteger(v) || (c.kind === 'hex' && v < 0)) return a === canonical(c, v);
    // exact: a safe v equals Number(a) only when a is v
    return Number(a) === v;
  }
  if (c.kind === 'dec') return a === v;
  if (c.kind === 'hex') return (v as bigint) >= 0n && (v as bigint) < TWO_64 ? a === v : a === canonical(c, v);
  return a === c.table!.get(Number(v));
}

/**
 * same() for a batch row's value: a is the I64 of the field (canonical: a
 * number exactly when the value is a safe integer), so a safe v equals it
 * only when a is v, and == compares a number with a bigint exactly.
 */
function sameI(c: Check, a: I64, v: Value): boolean {
  if (typeof v === 'number' && c.kind !== 'table') {
    if (!Number.isSafeInteger(v) || (c.kind === 'hex' && v < 0)) return toBig(a) === canonical(c, v);
    return a === v;
  }
  if (c.kind === 'dec') return a == v;
  if (c.kind === 'hex') return (v as bigint) >= 0n && (v as bigint) < TWO_64 ? a == v : toBig(a) === canonical(c, v);
  const t = c.table!.get(Number(v));
  return t !== null && a == t;
}

/** The field comparison of one revision's texts. */
export class ModelFields {
  private readonly access: Map<string, Record<string, Get>>;
  private readonly checks = new Map<string, Check[] | null>();

  constructor(
    format: FuseTraceFormat,
    private readonly schemas: ReadonlyMap<string, EventSchema>,
  ) {
    this.access = accessors(format);
  }

  /** The checks of an event's fields, or null when some field's value is not known here (for agreesRow). */
  checksOf(name: string): Check[] | null {
    let c = this.checks.get(name);
    if (c !== undefined) return c;
    c = null;
    const schema = this.schemas.get(name);
    const access = this.access.get(name);
    if (schema && access) {
      c = [];
      for (const spec of schema.fields) {
        if (NOT_COMPARED.has(spec.field)) continue;
        const get = access[spec.field];
        const d = spec.decode;
        if (!get || !(d.kind === 'dec' || d.kind === 'hex' || d.kind === 'flags' || d.kind === 'symbolic')) {
          c = null;
          break;
        }
        const table = d.kind === 'flags' ? new Memo((v: number) => unprintFlags(printFlags(v, d.table), d.table)) : d.kind === 'symbolic' ? new Memo((v: number) => unprintSymbolic(printSymbolic(v, d.table), d.table)) : null;
        c.push({ spec, get, kind: d.kind === 'dec' || d.kind === 'hex' ? d.kind : 'table', table, slot: schema.slots.get(spec.field) ?? -1 });
      }
    }
    this.checks.set(name, c);
    return c;
  }

  /**
   * Whether every compared field of the trace's event is what the model's
   * event prints; false also for an event not known here (compare texts).
   */
  agrees(e: CacheEvent, fields: Readonly<Record<string, FieldValue>>): boolean {
    const checks = this.checksOf(e.name);
    if (checks === null) return false;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i];
      if (!same(c, fields[c.spec.field], c.get(e))) return false;
    }
    return true;
  }

  /**
   * agrees() for row r of a batch, whose schema is this revision's schema
   * of e's name (the replay checks): the same answer from the columns.
   */
  agreesRow(e: CacheEvent, b: EventBatch, r: number, checks: readonly Check[] | null = this.checksOf(e.name)): boolean {
    if (checks === null) return false;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i];
      if (c.slot < 0 || !sameI(c, b.i64(r, c.slot), c.get(e))) return false;
    }
    return true;
  }

  /** The model's parsed fields of an event (for tests: compare with decoding its text). */
  values(e: CacheEvent): Record<string, bigint | null> | null {
    const checks = this.checksOf(e.name);
    if (!checks) return null;
    const out: Record<string, bigint | null> = {};
    for (const c of checks) out[c.spec.field] = canonical(c, c.get(e));
    return out;
  }
}
