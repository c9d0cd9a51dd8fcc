// SPDX-License-Identifier: GPL-2.0-only
/*
 * A parsed scenario's cache commands in columns: typed arrays of op, fork,
 * line, three 64-bit operands as doubles (the exact bigint in a side array
 * where the double is beyond 2^53, as in the tree's arena), type | flags
 * and dev. Hundreds of thousands of commands then cost a few typed arrays
 * instead of several objects each that the garbage collector would copy
 * into the old generation. Commands the columns do not hold (kernel
 * commands) are kept as objects. get() hands out each command in a
 * scratch object reused per kind (the runner never keeps it); toArray()
 * builds the public Command objects.
 */
import type { Fork } from '../cache/constants.js';
import { type MappingI, emptyMappingI } from '../iext/record.js';
import { type I64, U64_MAX } from '../util/int64.js';
import type { Command } from './parse.js';

const SAFE = Number.MAX_SAFE_INTEGER;

const OPS = ['add', 'upsert', 'remove', 'lookup', 'invalidate', 'dump', 'object'] as const;
type Op = (typeof OPS)[number];
const OP_CODE: Record<Op, number> = { add: 0, upsert: 1, remove: 2, lookup: 3, invalidate: 4, dump: 5, object: 6 };
const { add: ADD, upsert: UPSERT, remove: REMOVE, lookup: LOOKUP, invalidate: INVALIDATE, dump: DUMP, object: OBJECT } = OP_CODE;

type MapCmd = Extract<Command, { op: 'add' | 'upsert' }>;
type RangeCmd = Extract<Command, { op: 'remove' }>;
type LookupCmd = Extract<Command, { op: 'lookup' }>;
type InvalCmd = Extract<Command, { op: 'invalidate' }>;
type DumpCmd = Extract<Command, { op: 'dump' }>;

/**
 * a 64-bit operand column: doubles, and the exact values beyond 2^53; the
 * all-ones u64 (NULL_ADDR, INVAL_TO_EOF: every hole's addr) is Infinity,
 * which no other value's double is, so it needs no side value
 */
class I64Column {
  d: Float64Array;
  /** created on the first value beyond 2^53 */
  private x: bigint[] | null = null;
  constructor(n: number) {
    this.d = new Float64Array(n);
  }
  set(i: number, v: I64): void {
    if (typeof v === 'number') this.d[i] = v;
    else if (v === U64_MAX) this.d[i] = Infinity;
    else {
      this.d[i] = Number(v);
      (this.x ??= new Array<bigint>(this.d.length).fill(0n))[i] = v;
    }
  }
  get(i: number): I64 {
    const d = this.d[i];
    return d <= SAFE && d >= -SAFE ? d : d === Infinity ? U64_MAX : this.x![i];
  }
  grow(n: number): void {
    const d = new Float64Array(n);
    d.set(this.d);
    this.d = d;
    if (this.x) for (let i = this.x.length; i < n; i++) this.x.push(0n);
  }
}

/** a scratch command of get(): the fields of every kind, those of other kinds unused */
function scratch<T extends Command>(op: T['op']): T {
  return { op, line: 0, fork: 0 as Fork, map: emptyMappingI(), offset: 0 as I64, length: 0 as I64, pos: 0 as I64, count: 0 as I64 } as unknown as T;
}

export class CommandTable {
  length = 0;
  private cap: number;
  private op: Uint8Array;
  private fork: Uint8Array;
  private line: Float64Array;
  /** offset / pos */
  private readonly a: I64Column;
  /** length / count */
  private readonly b: I64Column;
  /** addr */
  private readonly c: I64Column;
  private tf: Uint32Array;
  private dev: Uint32Array;
  private readonly objects = new Map<number, Command>();
  // get()'s scratch commands, one per kind, all of one shape (every kind's
  // fields, in one order): the runner reads cmd.op, cmd.line and cmd.fork
  // from each, and five shapes made those reads megamorphic
  private readonly mapCmd = scratch<MapCmd>('upsert');
  private readonly rangeCmd = scratch<RangeCmd>('remove');
  private readonly lookupCmd = scratch<LookupCmd>('lookup');
  private readonly invalCmd = scratch<InvalCmd>('invalidate');
  private readonly dumpCmd = scratch<DumpCmd>('dump');

  constructor(capacity = 1024) {
    const n = (this.cap = Math.max(16, capacity));
    this.op = new Uint8Array(n);
    this.fork = new Uint8Array(n);
    this.line = new Float64Array(n);
    this.a = new I64Column(n);
    this.b = new I64Column(n);
    this.c = new I64Column(n);
    this.tf = new Uint32Array(n);
    this.dev = new Uint32Array(n);
  }

  /** a new row for op at line; returns its index */
  private row(op: number, line: number, fork: number): number {
    if (this.length === this.cap) this.grow();
    const i = this.length++;
    this.op[i] = op;
    this.line[i] = line;
    this.fork[i] = fork;
    return i;
  }

  /** add / upsert */
  pushMap(op: 'add' | 'upsert', line: number, fork: Fork, offset: I64, length: I64, addr: I64, type: number, flags: number, dev: number): void {
    const i = this.row(OP_CODE[op], line, fork);
    this.a.set(i, offset);
    this.b.set(i, length);
    this.c.set(i, addr);
    this.tf[i] = (type & 0xffff) | ((flags & 0xffff) << 16);
    this.dev[i] = dev;
  }

  /** remove / lookup / invalidate (fork 0 for invalidate) */
  pushRange(op: 'remove' | 'lookup' | 'invalidate', line: number, fork: Fork, a: I64, b: I64): void {
    const i = this.row(OP_CODE[op], line, fork);
    this.a.set(i, a);
    this.b.set(i, b);
  }

  pushDump(line: number, fork: Fork): void {
    this.row(OP_CODE.dump, line, fork);
  }

  /** any command, kernel ones kept as objects */
  push(cmd: Command): void {
    switch (cmd.op) {
      case 'add':
      case 'upsert': {
        const m = cmd.map;
        if (m.type > 0xffff || m.flags > 0xffff) break;
        return this.pushMap(cmd.op, cmd.line, cmd.fork, m.offset, m.length, m.addr, m.type, m.flags, m.dev);
      }
      case 'remove':
        return this.pushRange('remove', cmd.line, cmd.fork, cmd.offset, cmd.length);
      case 'lookup':
        return this.pushRange('lookup', cmd.line, cmd.fork, cmd.pos, cmd.count);
      case 'invalidate':
        return this.pushRange('invalidate', cmd.line, 0 as Fork, cmd.offset, cmd.length);
      case 'dump':
        return this.pushDump(cmd.line, cmd.fork);
    }
    this.objects.set(this.row(OBJECT, cmd.line, 0), cmd);
  }

  /** command i in a scratch object (valid until the next get of the same kind) */
  get(i: number): Command {
    const line = this.line[i];
    const op = this.op[i];
    switch (op) {
      case ADD:
      case UPSERT: {
        const c = this.mapCmd;
        c.op = op === ADD ? 'add' : 'upsert';
        c.line = line;
        c.fork = this.fork[i];
        this.mapping(i, c.map);
        return c;
      }
      case REMOVE: {
        const c = this.rangeCmd;
        c.line = line;
        c.fork = this.fork[i];
        c.offset = this.a.get(i);
        c.length = this.b.get(i);
        return c;
      }
      case LOOKUP: {
        const c = this.lookupCmd;
        c.line = line;
        c.fork = this.fork[i];
        c.pos = this.a.get(i);
        c.count = this.b.get(i);
        return c;
      }
      case INVALIDATE: {
        const c = this.invalCmd;
        c.line = line;
        c.offset = this.a.get(i);
        c.length = this.b.get(i);
        return c;
      }
      case DUMP: {
        const c = this.dumpCmd;
        c.line = line;
        c.fork = this.fork[i];
        return c;
      }
      default:
        return this.objects.get(i)!;
    }
  }

  private mapping(i: number, m: MappingI): MappingI {
    m.offset = this.a.get(i);
    m.length = this.b.get(i);
    m.addr = this.c.get(i);
    const tf = this.tf[i];
    m.type = tf & 0xffff;
    m.flags = tf >>> 16;
    m.dev = this.dev[i];
    return m;
  }

  /**
   * At most how many records the commands can leave in the cache: an add
   * or upsert adds at most two (the new record, and the far part of one it
   * splits), a remove one (a record split around the hole), an invalidate
   * one in each fork. Kernel commands are not counted.
   */
  recordBound(): number {
    let n = 0;
    const op = this.op;
    for (let i = 0; i < this.length; i++) {
      const o = op[i];
      n += o === ADD || o === UPSERT || o === INVALIDATE ? 2 : o === REMOVE ? 1 : 0;
    }
    return n;
  }

  /** every command as its own object */
  toArray(): Command[] {
    const out: Command[] = [];
    for (let i = 0; i < this.length; i++) {
      const c = this.get(i);
      out.push(ownCommand(c));
    }
    return out;
  }

  private grow(): void {
    const n = this.cap * 2;
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.op = grow(this.op, new Uint8Array(n));
    this.fork = grow(this.fork, new Uint8Array(n));
    this.line = grow(this.line, new Float64Array(n));
    this.a.grow(n);
    this.b.grow(n);
    this.c.grow(n);
    this.tf = grow(this.tf, new Uint32Array(n));
    this.dev = grow(this.dev, new Uint32Array(n));
    this.cap = n;
  }
}

/** a command of get() as an object of its own, with its kind's fields only */
function ownCommand(c: Command): Command {
  switch (c.op) {
    case 'add':
    case 'upsert':
      return { op: c.op, line: c.line, fork: c.fork, map: { ...c.map } };
    case 'remove':
      return { op: c.op, line: c.line, fork: c.fork, offset: c.offset, length: c.length };
    case 'lookup':
      return { op: c.op, line: c.line, fork: c.fork, pos: c.pos, count: c.count };
    case 'invalidate':
      return { op: c.op, line: c.line, offset: c.offset, length: c.length };
    case 'dump':
      return { op: c.op, line: c.line, fork: c.fork };
    default:
      return c;
  }
}
