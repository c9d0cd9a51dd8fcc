// SPDX-License-Identifier: GPL-2.0-only
/*
 * Words of a kernel-scenario line: positional numbers and key=value
 * fields, each error naming the line, the field and the value.
 */
import { printFlags } from '../../trace/print-flags.js';
import { parseU64 } from '../../util/int64.js';
import { ScenarioError } from '../parse.js';

export type NameTable = ReadonlyArray<readonly [number, string]>;

export class KernelLine {
  readonly positional: string[] = [];
  readonly fields = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(
    readonly file: string,
    readonly line: number,
    readonly words: string[],
    /** the command word(s) consumed before the arguments */
    skip: number,
  ) {
    for (const w of words.slice(skip)) {
      const eq = w.indexOf('=');
      if (eq < 0) {
        if (this.fields.size) this.fail(`'${w}': positional arguments come before the key=value fields`);
        this.positional.push(w);
        continue;
      }
      const k = w.slice(0, eq);
      if (!/^[a-z_]+$/.test(k)) this.fail(`'${w}' is not a key=value field`);
      if (this.fields.has(k)) this.fail(`field ${k} given twice`);
      this.fields.set(k, w.slice(eq + 1));
    }
  }

  fail(why: string): never {
    throw new ScenarioError(this.file, this.line, why);
  }

  /** Exactly n..m positional arguments. */
  arity(min: number, max: number, usage: string): void {
    const n = this.positional.length;
    if (n < min || n > max) this.fail(`'${this.words[0]}' takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'} before its fields, got ${n} (usage: ${usage})`);
  }

  /** Fields other than `allowed` are an error (after the command read what it wanted). */
  done(usage: string): void {
    for (const k of this.fields.keys()) if (!this.used.has(k)) this.fail(`unknown field '${k}' (usage: ${usage})`);
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  private field(key: string): string | undefined {
    this.used.add(key);
    return this.fields.get(key);
  }

  u64Text(text: string, what: string): bigint {
    const v = parseU64(text);
    if (v === undefined) this.fail(`${what} '${text}' is not an unsigned 64-bit number (decimal or 0x-hex)`);
    return v;
  }

  /** A negative errno written as -N or a name (-EIO), or 0. */
  errnoText(text: string, what: string): number {
    const byName = ERRNO_BY_NAME.get(text.replace(/^-/, '').toUpperCase());
    if (byName !== undefined) return byName === 0 ? 0 : -byName;
    const m = /^-?([0-9]+)$/.exec(text);
    if (!m || Number(m[1]) > 4095) this.fail(`${what} '${text}' is not an errno (0, -N up to -4095, or a name such as -EIO)`);
    return -Number(m[1]);
  }

  pos(i: number, what: string): bigint {
    return this.u64Text(this.positional[i], what);
  }

  num(key: string, def: bigint): bigint;
  num(key: string, def?: undefined): bigint | undefined;
  num(key: string, def?: bigint): bigint | undefined {
    const t = this.field(key);
    return t === undefined ? def : this.u64Text(t, key);
  }

  small(key: string, bits: number, def: number): number {
    const t = this.field(key);
    if (t === undefined) return def;
    const v = this.u64Text(t, key);
    if (v >= 1n << BigInt(bits)) this.fail(`${key} ${t} does not fit in ${bits} bits`);
    return Number(v);
  }

  bool(key: string, def: boolean): boolean {
    const t = this.field(key);
    if (t === undefined) return def;
    if (t === 'on' || t === 'yes' || t === '1') return true;
    if (t === 'off' || t === 'no' || t === '0') return false;
    return this.fail(`${key} '${t}' must be on or off`);
  }

  str(key: string): string | undefined {
    return this.field(key);
  }

  errno(key: string, def: number): number {
    const t = this.field(key);
    return t === undefined ? def : this.errnoText(t, key);
  }

  /** A symbolic value (a number, or a name of the table). */
  symbolic(text: string, what: string, table: NameTable, bits: number): number {
    const hit = table.find(([, n]) => n === text);
    if (hit) return hit[0];
    if (!/^[0-9]/.test(text)) this.fail(`${what} '${text}' is neither a number nor one of ${table.map(([, n]) => n).join(', ')}`);
    const v = this.u64Text(text, what);
    if (v >= 1n << BigInt(bits)) this.fail(`${what} ${text} does not fit in ${bits} bits`);
    return Number(v);
  }

  /** Flags: a number, or names joined by '|' (also `0`/`none` for no flag). */
  flagsText(text: string, what: string, table: NameTable, bits: number, aliases?: ReadonlyMap<string, number>): number {
    if (/^[0-9]/.test(text)) return this.symbolic(text, what, [], bits);
    if (text === 'none') return 0;
    let f = 0;
    for (const name of text.split('|')) {
      const bit = aliases?.get(name) ?? table.find(([, n]) => n === name)?.[0];
      if (bit === undefined) this.fail(`${what}: unknown flag '${name}' (known: ${table.map(([, n]) => n).join(', ')})`);
      f |= bit;
    }
    return f;
  }

  type(key: string, table: NameTable, def: number): number {
    const t = this.field(key);
    return t === undefined ? def : this.symbolic(t, key, table, 16);
  }

  flags(key: string, table: NameTable, def: number): number {
    const t = this.field(key);
    return t === undefined ? def : this.flagsText(t, key, table, 16);
  }
}

const ERRNO_BY_NAME = new Map<string, number>([
  ['0', 0],
  ['EPERM', 1],
  ['ENOENT', 2],
  ['EINTR', 4],
  ['EIO', 5],
  ['EBADF', 9],
  ['EAGAIN', 11],
  ['ENOMEM', 12],
  ['EACCES', 13],
  ['EBUSY', 16],
  ['ENODEV', 19],
  ['EINVAL', 22],
  ['EFBIG', 27],
  ['ENOSPC', 28],
  ['ENOSYS', 38],
  ['EOPNOTSUPP', 95],
  ['ESTALE', 116],
  ['EUCLEAN', 117],
  ['EFSCORRUPTED', 117],
]);

/** A flag word as names for output, e.g. "write|direct", "0" for none. */
export const flagNames = (v: number, table: NameTable): string => printFlags(v, table) || '0';
