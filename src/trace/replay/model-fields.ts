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
import { type I64, toBig, toI64 } from '../../util/int64.js';
import { type EventBatch, STRIDE } from '../parse/batch.js';
import { COL, type ExpectedQueue, M_ADDR, M_DEV, M_FLAGS, M_LENGTH, M_OFFSET, M_TYPE, WIDTH } from './expected.js';
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

/** Field name -> the column of an ExpectedQueue entry (expected.ts) holding the model's value. */
type Cols = Record<string, number>;

const INODE: Cols = { connection: COL.CONNECTION, ino: COL.INO, nodeid: COL.NODEID, isize: COL.ISIZE };

/** A Mapping's six values (at column at: COL.MAP or COL.GOT) under the names a text gives them. */
function mapping(at: number, names: { offset: string; length: string; addr: string; type?: string; flags?: string; dev?: string }): Cols {
  const out: Cols = { [names.offset]: at + M_OFFSET, [names.length]: at + M_LENGTH, [names.addr]: at + M_ADDR };
  if (names.type) out[names.type] = at + M_TYPE;
  if (names.flags) out[names.flags] = at + M_FLAGS;
  if (names.dev) out[names.dev] = at + M_DEV;
  return out;
}

/** A Mapping under prefixed names: rfc-v3's map_offset.., v7's FUSE_IOMAP_MAP_FIELDS(map) mapoffset.. */
const prefixed = (at: number, p: string) => mapping(at, { offset: `${p}offset`, length: `${p}length`, addr: `${p}addr`, type: `${p}type`, flags: `${p}flags`, dev: `${p}dev` });

const IEXT = ['fuse_iext_insert', 'fuse_iext_remove', 'fuse_iext_pre_update', 'fuse_iext_post_update'];
const UPDATE = ['fuse_iext_add_mapping', 'fuse_iext_del_mapping'];
const ALT = ['fuse_iext_add_mapping_left', 'fuse_iext_add_mapping_right', 'fuse_iext_del_mapping_got'];

/** Per revision's texts and event: which column holds each field's value. */
function columns(format: FuseTraceFormat): Map<string, Cols> {
  const m = new Map<string, Cols>();
  const set = (names: string[], a: Cols) => names.forEach((n) => m.set(n, { ...INODE, ...a }));
  const state = { iext_state: COL.STATE };
  const fork: Cols = format === 'v7' ? { iodir: COL.FORK } : { whichfork: COL.FORK };
  const range = { offset: COL.OFFSET, length: COL.LENGTH };
  if (format === 'v7') {
    set(IEXT, { ...state, pos: COL.POS, ...prefixed(COL.MAP, 'map') });
    set(UPDATE, { ...state, ...prefixed(COL.MAP, 'map') });
    set(ALT, prefixed(COL.MAP, 'map'));
    set(['fuse_iomap_cache_remove'], { ...range, ...fork });
    set(['fuse_iomap_cache_add', 'fuse_iext_check_mapping'], { ...fork, ...prefixed(COL.MAP, 'map') });
    set(['fuse_iomap_cache_lookup'], { offset: COL.POS, length: COL.COUNT, ...fork });
    set(['fuse_iomap_cache_lookup_result'], { offset: COL.POS, length: COL.COUNT, ...fork, ...prefixed(COL.MAP, 'map'), ...prefixed(COL.GOT, 'got'), validity_cookie: COL.COOKIE });
  } else {
    set(IEXT, { ...state, pos: COL.POS, ...mapping(COL.MAP, { offset: 'offset', length: 'length', addr: 'addr', type: 'type', flags: 'mapflags', dev: 'dev' }) });
    set(UPDATE, { ...state, ...prefixed(COL.MAP, 'map_') });
    set(ALT, prefixed(COL.MAP, 'map_'));
    set(['fuse_iomap_cache_remove'], { ...fork, ...range });
    set(['fuse_iomap_cache_add', 'fuse_iext_check_mapping'], { ...fork, ...mapping(COL.MAP, { offset: 'offset', length: 'length', addr: 'addr', type: 'maptype', flags: 'mapflags', dev: 'dev' }) });
    set(['fuse_iomap_cache_lookup'], { ...fork, pos: COL.POS, count: COL.COUNT });
    set(['fuse_iomap_cache_lookup_result'], {
      ...fork,
      pos: COL.POS,
      count: COL.COUNT,
      ...prefixed(COL.MAP, 'map_'),
      ...mapping(COL.GOT, { offset: 'got_offset', length: 'got_length', addr: 'got_addr' }),
      validity_cookie: COL.COOKIE,
    });
    set(['fuse_iomap_cache_lock', 'fuse_iomap_cache_unlock'], { lock_flags: COL.LOCK_FLAGS });
  }
  set(['fuse_iomap_cache_invalidate_range'], range);
  return m;
}

const MEMBER = ['offset', 'length', 'addr', 'type', 'flags', 'dev'] as const;

/** Where a column's value is in a CacheEvent (the object path's accessor of the same field). */
function getter(col: number): Get {
  if (col >= COL.GOT) {
    const k = MEMBER[col - COL.GOT];
    return (e) => ((e as E).got as Mapping)[k];
  }
  if (col >= COL.MAP) {
    const k = MEMBER[col - COL.MAP];
    // fuse_iext_class events carry the cursor's record as rec, the others map
    return (e) => (((e as E).rec ?? (e as E).map) as Mapping)[k];
  }
  switch (col) {
    case COL.CONNECTION:
      return (e) => e.inode.connection;
    case COL.INO:
      return (e) => e.inode.ino;
    case COL.NODEID:
      return (e) => e.inode.nodeid;
    case COL.ISIZE:
      return (e) => e.isize;
    case COL.FORK:
      return (e) => (e as E).fork as number;
    case COL.STATE:
      return (e) => (e as E).state as number;
    case COL.POS:
      return (e) => (e as E).pos as Value;
    case COL.COUNT:
      return (e) => (e as E).count as Value;
    case COL.OFFSET:
      return (e) => (e as E).offset as Value;
    case COL.LENGTH:
      return (e) => (e as E).length as Value;
    case COL.COOKIE:
      return (e) => (e as E).cookie as Value;
    case COL.LOCK_FLAGS:
      return (e) => (e as E).lockFlags as number;
  }
  throw new Error(`no CacheEvent member for column ${col}`);
}

/** One compared field: where its value is and how its text reads back. */
export interface Check {
  spec: FieldSpec;
  get: Get;
  kind: 'dec' | 'hex' | 'table';
  /** flags/symbolic: the table's rendering of a value, read back */
  table: Memo<number, bigint | null> | null;
  /** the same as I64, for values below 4096 kept in an array (undefined: not yet asked) */
  small: Array<I64 | null | undefined> | null;
  /** the field's slot in a batch row of the schema (parse/batch.ts) */
  slot: number;
  /** the column of an ExpectedQueue entry (expected.ts) with the model's value */
  col: number;
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

/** The I64 a table field's rendering of the (number) value v reads back as; null when it does not read back. */
function tableI(c: Check, v: number): I64 | null {
  const small = c.small!;
  if (v >= 0 && v < 4096) {
    const t = small[v];
    if (t !== undefined) return t;
  }
  const b = c.table!.get(v);
  const t = b === null ? null : toI64(b);
  if (v >= 0 && v < 4096) small[v] = t;
  return t;
}

/**
 * One check of a row's value a against the model's v (the columns' doubles
 * of row r, entry e) where the fast test did not settle it: both beyond
 * 2^53 (a model bigint in [0, 2^64) prints as itself, dec and hex alike), a
 * table value, else exactly on bigints: what the model's value prints as,
 * read back, against the row's.
 */
function slowCheck(c: Check, a: number, v: number, q: ExpectedQueue, e: number, b: EventBatch, r: number): boolean {
  if (c.small === null) {
    if (a === v) return true;
    if (a !== a && v !== v) {
      const x = q.big[e * WIDTH + c.col];
      if (x >= 0n && x < TWO_64 && x === b.big[r * STRIDE + c.slot]) return true;
    }
  } else if (v === v && tableI(c, v) === a) return true;
  const want = canonical(c, toBig(q.i64(e, c.col)));
  return want !== null && toBig(b.i64(r, c.slot)) === want;
}

/** agreesEntry of one name's checks (ModelFields.agreeOf). */
export type Agree = (q: ExpectedQueue, e: number, b: EventBatch, r: number) => boolean;

/** The field comparison of one revision's texts. */
export class ModelFields {
  private readonly cols: Map<string, Cols>;
  private readonly checks = new Map<string, Check[] | null>();
  private readonly agree = new WeakMap<readonly Check[], Agree>();

  constructor(
    format: FuseTraceFormat,
    private readonly schemas: ReadonlyMap<string, EventSchema>,
  ) {
    this.cols = columns(format);
  }

  /** The checks of an event's fields, or null when some field's value is not known here (then the texts decide). */
  checksOf(name: string): Check[] | null {
    let c = this.checks.get(name);
    if (c !== undefined) return c;
    c = null;
    const schema = this.schemas.get(name);
    const cols = this.cols.get(name);
    if (schema && cols) {
      c = [];
      for (const spec of schema.fields) {
        if (NOT_COMPARED.has(spec.field)) continue;
        const col = cols[spec.field];
        const d = spec.decode;
        if (col === undefined || !(d.kind === 'dec' || d.kind === 'hex' || d.kind === 'flags' || d.kind === 'symbolic')) {
          c = null;
          break;
        }
        const table = d.kind === 'flags' ? new Memo((v: number) => unprintFlags(printFlags(v, d.table), d.table)) : d.kind === 'symbolic' ? new Memo((v: number) => unprintSymbolic(printSymbolic(v, d.table), d.table)) : null;
        c.push({ spec, get: getter(col), kind: d.kind === 'dec' || d.kind === 'hex' ? d.kind : 'table', table, small: table ? [] : null, slot: schema.slots.get(spec.field) ?? -1, col });
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
   * agrees() for row r of a batch and entry e of the model's queue
   * (expected.ts), the row's schema being this revision's schema of the
   * entry's name, checks that name's: the same answer from the columns.
   * Both sides are canonical I64 (a number exactly when the value is a safe
   * integer), so two numbers are the same value only when they are equal;
   * a hex row value is never negative, so a model number equal to it is its
   * own u64. Values beyond 2^53 (NaN in the columns) and anything unequal
   * are decided exactly on bigints.
   */
  agreesEntry(q: ExpectedQueue, e: number, b: EventBatch, r: number, checks: readonly Check[] | null): boolean {
    return checks !== null && this.agreeOf(checks)(q, e, b, r);
  }

  /**
   * agreesEntry for one name's checks as a function of its own, generated
   * with the slots and columns as constants (no loop over the checks, no
   * check object read while the values are equal numbers); slowCheck
   * decides every other case, as the comment above says. Made once per
   * checks (the replay keeps it per schema).
   */
  agreeOf(checks: readonly Check[]): Agree {
    let f = this.agree.get(checks);
    if (f !== undefined) return f;
    if (checks.some((c) => c.slot < 0)) f = () => false;
    else {
      let body = 'const num = b.num, o = r * STRIDE, qn = q.num, qo = e * WIDTH;\n  let a, v;';
      checks.forEach((c, i) => {
        body += `\n  a = num[o + ${c.slot}]; v = qn[qo + ${c.col}];`;
        // a table value below 4096 read back through the check's array (undefined until slowCheck filled it)
        if (c.small === null) body += `\n  if (a !== v && !slowCheck(C[${i}], a, v, q, e, b, r)) return false;`;
        else body += `\n  if ((v !== v || v < 0 || v >= 4096 || C[${i}].small[v] !== a) && !slowCheck(C[${i}], a, v, q, e, b, r)) return false;`;
      });
      body += '\n  return true;';
      f = new Function('STRIDE', 'WIDTH', 'slowCheck', 'C', `return function agree(q, e, b, r) {\n  ${body}\n};`)(STRIDE, WIDTH, slowCheck, checks) as Agree;
    }
    this.agree.set(checks, f);
    return f;
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
