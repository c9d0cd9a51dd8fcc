// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario language of ../shared/fixtures/README.md: one command a line,
 * '#' starts a comment. The whole text is parsed before anything runs, so a
 * bad line stops the run with nothing applied. Scenarios of hundreds of
 * thousands of lines are common, so the line loop avoids per-line closures,
 * and the 64-bit values are I64 (src/util/int64.ts): numbers, bigints only
 * beyond 2^53, which the cache computes on directly.
 */
import { Fork } from '../cache/constants.js';
import type { MappingI } from '../iext/record.js';
import { geometryByName, type Geometry } from '../iext/geometry.js';
import { DEFAULT_REVISION, type ResolvedRevision, resolveRevision, revisionByName, revisionNames, type Revision } from '../cache/revision.js';
import { flagValue, revisionsWithName, typeValue } from './translate.js';
import { type I64, U64_MAX, parseU64, s64, s64I, toI64 } from '../util/int64.js';
import { KERNEL_COMMAND_WORDS, KERNEL_SETUP_WORDS, type KernelCommand, type KernelSetup, parseKernelCommand, parseKernelSetup } from './kernel/parse.js';
import { protocolFor } from '../protocol/layout.js';
import { CommandTable } from './command-table.js';

export type Command =
  | { op: 'add' | 'upsert'; line: number; fork: Fork; map: MappingI }
  | { op: 'remove'; line: number; fork: Fork; offset: I64; length: I64 }
  | { op: 'lookup'; line: number; fork: Fork; pos: I64; count: I64 }
  | { op: 'invalidate'; line: number; offset: I64; length: I64 }
  | { op: 'dump'; line: number; fork: Fork }
  | KernelCommand;

export interface Scenario {
  geometry: Geometry;
  /** i_blocksize */
  blockSize: bigint;
  /** s_maxbytes (loff_t) */
  maxBytes: bigint;
  /** the `revision` setting, when the scenario names one */
  revision?: Revision;
  /**
   * The revision whose type and flag values the mappings carry (the one
   * the names were resolved with); runScenario re-encodes for another.
   */
  encoding?: Revision;
  /** the `cachemaxbytes` setting: v7's fc->iomap_conn.cache_maxbytes as the server sets it */
  cacheMaxBytes?: number;
  /** the kernel setup section (conn, device, inode lines), when the scenario drives the iomap consumers */
  kernel?: KernelSetup;
  commands: Command[];
}

export interface ParseOptions {
  /** the revision the scenario will run under (run --revision), overriding its `revision` line */
  revision?: Revision;
}

/** the command table of a parsed scenario whose commands array was never read or replaced */
const TABLES = new WeakMap<Scenario, { table: CommandTable; untouched: () => boolean }>();

/**
 * A Scenario whose commands live in t: `commands` is built from the table
 * on first read (and can be replaced); until then runScenario reads the
 * table itself (commandTable).
 */
function scenarioOver(t: CommandTable): Scenario {
  let commands: Command[] | undefined;
  const sc = { geometry: geometryByName('fuse')!, blockSize: DEFAULT_BLOCKSIZE, maxBytes: DEFAULT_MAXBYTES } as Scenario;
  Object.defineProperty(sc, 'commands', {
    enumerable: true,
    configurable: true,
    get: () => (commands ??= t.toArray()),
    set: (v: Command[]) => {
      commands = v;
    },
  });
  TABLES.set(sc, { table: t, untouched: () => commands === undefined });
  return sc;
}

/** The commands of sc as parseScenario stored them, when sc.commands was never read or replaced. */
export function commandTable(sc: Scenario): CommandTable | undefined {
  const e = TABLES.get(sc);
  return e && e.untouched() ? e.table : undefined;
}

export const DEFAULT_BLOCKSIZE = 4096n;
export const DEFAULT_MAXBYTES = 0x7fff_ffff_ffff_ffffn;

export class ScenarioError extends Error {
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ScenarioError';
  }
}

const nameList = (t: ReadonlyArray<readonly [number, string]>): string => t.map(([, n]) => n).join(', ');

const USAGE: Record<string, string> = {
  geometry: 'geometry fuse|xfs',
  blocksize: 'blocksize N',
  maxbytes: 'maxbytes N',
  revision: 'revision NAME',
  cachemaxbytes: 'cachemaxbytes N',
  add: 'add read|write OFFSET LENGTH ADDR TYPE FLAGS DEV',
  upsert: 'upsert read|write OFFSET LENGTH ADDR TYPE FLAGS DEV',
  remove: 'remove read|write OFFSET LENGTH',
  lookup: 'lookup read|write POS COUNT',
  invalidate: 'invalidate OFFSET LENGTH',
  dump: 'dump read|write',
};
const ARITY = new Map(Object.entries(USAGE).map(([op, u]) => [op, u.split(' ').length - 1]));

/** One line's words and where it came from, for error messages. */
class LineParser {
  words: string[] = [];
  line = 0;
  /** the revision TYPE and FLAGS names are resolved with (known once settings are read) */
  rev: ResolvedRevision = resolveRevision(DEFAULT_REVISION);
  constructor(readonly file: string) {}

  /** "... does not exist in v7 (only in rfc-v3): ..." for a name another revision has */
  private elsewhere(kind: 'type' | 'flag', name: string): string {
    const others = revisionsWithName(name, kind);
    if (!others.length) return '';
    return ` does not exist in ${this.rev.name} (only in ${others.join(', ')}; select one with a 'revision' line or --revision)`;
  }

  fail(why: string): never {
    throw new ScenarioError(this.file, this.line, why);
  }

  num(idx: number, field: string): bigint {
    const v = parseU64(this.words[idx]);
    if (v === undefined) this.fail(`${field} '${this.words[idx]}' is not an unsigned 64-bit number (decimal or 0x-hex)`);
    return v;
  }

  small(idx: number, field: string, bits: number): number {
    const v = this.num(idx, field);
    if (v >= 1n << BigInt(bits)) this.fail(`${field} ${this.words[idx]} does not fit in ${bits} bits`);
    return Number(v);
  }

  fork(idx: number): Fork {
    const w = this.words[idx];
    if (w === 'read') return Fork.READ;
    if (w === 'write') return Fork.WRITE;
    return this.fail(`fork '${w}' must be read or write`);
  }

  type(idx: number): number {
    const w = this.words[idx];
    const byName = typeValue(this.rev, w);
    if (byName !== undefined) return byName;
    if (!/^[0-9]/.test(w)) {
      const other = this.elsewhere('type', w);
      if (other) this.fail(`TYPE '${w}'${other}`);
      this.fail(`TYPE '${w}' is neither a number nor one of ${nameList(this.rev.typeNames)} (${this.rev.name})`);
    }
    return this.small(idx, 'TYPE', 16);
  }

  flags(idx: number): number {
    const w = this.words[idx];
    if (/^[0-9]/.test(w)) return this.small(idx, 'FLAGS', 16);
    let f = 0;
    for (const name of w.split('|')) {
      const bit = flagValue(this.rev, name);
      if (bit === undefined) {
        const other = this.elsewhere('flag', name);
        if (other) this.fail(`FLAGS: flag '${name}'${other}`);
        this.fail(`FLAGS: unknown flag '${name}' (${this.rev.name} knows: ${nameList(this.rev.flagNames)})`);
      }
      f |= bit;
    }
    return f;
  }

  /** num as I64 */
  i64(idx: number, field: string): I64 {
    return toI64(this.num(idx, field));
  }

  /** num as a loff_t I64 */
  s64(idx: number, field: string): I64 {
    return toI64(s64(this.num(idx, field)));
  }

  mapping(): MappingI {
    return {
      offset: this.s64(2, 'OFFSET'),
      length: this.i64(3, 'LENGTH'),
      addr: this.i64(4, 'ADDR'),
      type: this.type(5),
      flags: this.flags(6),
      dev: this.small(7, 'DEV', 32),
    };
  }
}

/**
 * The fast path for well-formed numeric lines: scans the text in place
 * without creating substrings. Anything it does not accept (names for TYPE
 * or FLAGS, settings, comments, long numbers, errors) is handed to the
 * LineParser, which then produces the result or the error message.
 */
class FastLine {
  /** the scenario's UTF-8 bytes: every token of the fast path is ASCII */
  s: Uint8Array = new Uint8Array(0);
  p = 0;
  end = 0;

  private skipWs(): void {
    const s = this.s;
    let p = this.p;
    while (p < this.end) {
      const c = s[p];
      if (c !== 32 && c !== 9) break;
      p++;
    }
    this.p = p;
  }

  /** the command word's first char code and length (set by word()) */
  c0 = 0;
  wlen = 0;

  /** scans the command word (a-z); false when there is none */
  word(): boolean {
    this.skipWs();
    const start = this.p;
    const s = this.s;
    let p = start;
    while (p < this.end) {
      const c = s[p];
      if (c < 97 || c > 122) break; // a-z
      p++;
    }
    this.p = p;
    if (p === start) return false;
    this.c0 = s[start];
    this.wlen = p - start;
    return true;
  }

  /** the word just scanned is w */
  wordIs(w: string): boolean {
    const n = w.length;
    if (this.wlen !== n) return false;
    const s = this.s;
    const at = this.p - n;
    for (let i = 0; i < n; i++) if (s[at + i] !== w.charCodeAt(i)) return false;
    return true;
  }

  /** read|write as a Fork, or -1 */
  fork(): number {
    this.skipWs();
    const s = this.s;
    const p = this.p;
    if (s[p] === C_R && s[p + 1] === C_E && s[p + 2] === C_A && s[p + 3] === C_D && this.boundary(p + 4)) {
      this.p = p + 4;
      return Fork.READ;
    }
    if (s[p] === C_W && s[p + 1] === C_R && s[p + 2] === C_I && s[p + 3] === C_T && s[p + 4] === C_E && this.boundary(p + 5)) {
      this.p = p + 5;
      return Fork.WRITE;
    }
    return -1;
  }

  private boundary(q: number): boolean {
    if (q >= this.end) return true;
    const c = this.s[q];
    return c === 32 || c === 9 || c === NEWLINE;
  }

  /** a u64 of up to 16 hex or 15 decimal digits as I64, or undefined */
  big(): I64 | undefined {
    const v = this.num();
    if (v >= 0) return v;
    if (v === -2) {
      // 14 to 16 hex digits: a number below 2^53, a bigint from there on
      const hi = this.hi;
      const lo = this.lo;
      if (hi < 0x20_0000) return hi * 0x1_0000_0000 + lo;
      // all-ones (FUSE_IOMAP_NULL_ADDR, INVAL_TO_EOF) is common: one shared bigint
      if (hi === 0xffff_ffff && lo === 0xffff_ffff) return U64_MAX;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    return undefined;
  }

  private hi = 0;
  private lo = 0;

  /**
   * A number of up to 13 hex or 15 decimal digits as a double; -2 for 14 to
   * 16 hex digits, split into hi and lo 32-bit halves; -1 otherwise.
   */
  num(): number {
    this.skipWs();
    const s = this.s;
    const end = this.end;
    let p = this.p;
    if (s[p] === 48 && (s[p + 1] | 32) === 120) {
      p += 2;
      const first = p;
      // one pass in two 32-bit halves (int32 shifts: cheaper than a dependent float multiply-add a digit)
      let hi = 0;
      let lo = 0;
      for (; p < end; p++) {
        const d = HEX_VALUE[s[p]];
        if (d < 0) break;
        hi = (hi << 4) | (lo >>> 28);
        lo = (lo << 4) | d;
      }
      const digits = p - first;
      if (digits === 0 || digits > 16 || !this.boundary(p)) return -1;
      this.p = p;
      if (digits <= 13) return (hi >>> 0) * 0x1_0000_0000 + (lo >>> 0);
      this.hi = hi >>> 0;
      this.lo = lo >>> 0;
      return -2;
    }
    let v = 0;
    const first = p;
    for (; p < end; p++) {
      const c = s[p] - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    const digits = p - first;
    if (digits === 0 || digits > 15 || !this.boundary(p)) return -1;
    this.p = p;
    return v;
  }

  /** nothing but blanks up to the end of the line (end, or the newline when end is the end of the text); p is left there */
  atEnd(): boolean {
    this.skipWs();
    return this.p >= this.end || this.s[this.p] === NEWLINE;
  }
}

/** hex digit values by char code, -1 for anything else */
const HEX_VALUE = Int8Array.from({ length: 256 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1));

const COMMAND_OPS = { add: 1, upsert: 1, remove: 1, lookup: 1, invalidate: 1, dump: 1 } as const;

const C_A = 97, C_D = 100, C_E = 101, C_I = 105, C_L = 108, C_R = 114, C_T = 116, C_U = 117, C_W = 119;

/** Parse one line on the fast path into t; false means "let the LineParser do it". */
function fastCommand(f: FastLine, line: number, t: CommandTable): boolean {
  if (!f.word()) return false;
  const c0 = f.c0;
  const len = f.wlen;
  if ((c0 === C_U && len === 6) || (c0 === C_A && len === 3)) {
    // upsert / add (the word is known to be lowercase letters of that length)
    const word = f.wordIs('upsert') ? 'upsert' : f.wordIs('add') ? 'add' : undefined;
    if (word === undefined) return false;
    const fork = f.fork();
    const off = f.big(), length = f.big(), addr = f.big(), type = f.num(), flags = f.num(), dev = f.num();
    if (fork < 0 || off === undefined || length === undefined || addr === undefined || type < 0 || flags < 0 || dev < 0) return false;
    if (type > 0xffff || flags > 0xffff || dev > 0xffffffff || !f.atEnd()) return false;
    t.pushMap(word, line, fork, s64I(off), length, addr, type, flags, dev);
    return true;
  }
  if ((c0 === C_R || c0 === C_L) && len === 6) {
    const word = f.wordIs('remove') ? 'remove' : f.wordIs('lookup') ? 'lookup' : undefined;
    if (word === undefined) return false;
    const fork = f.fork();
    const a = f.big(), b = f.big();
    if (fork < 0 || a === undefined || b === undefined || !f.atEnd()) return false;
    t.pushRange(word, line, fork, s64I(a), b);
    return true;
  }
  if (c0 === C_I && len === 10) {
    if (!f.wordIs('invalidate')) return false;
    const a = f.big(), b = f.big();
    if (a === undefined || b === undefined || !f.atEnd()) return false;
    t.pushRange('invalidate', line, 0 as Fork, s64I(a), b);
    return true;
  }
  if (c0 === C_D && len === 4) {
    if (!f.wordIs('dump')) return false;
    const fork = f.fork();
    if (fork < 0 || !f.atEnd()) return false;
    t.pushDump(line, fork);
    return true;
  }
  return false;
}

/**
 * Parse scenario text; throws ScenarioError naming FILE:LINE on the first
 * bad line. TYPE and FLAGS names are those of the revision the scenario
 * runs under: opts.revision, else its `revision` line, else the default.
 */
export function parseScenario(text: string | Uint8Array, file = '<scenario>', opts: ParseOptions = {}): Scenario {
  // the fast path reads bytes; a string is encoded once, and its own lines still go to the LineParser
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const str = typeof text === 'string' ? text : undefined;
  const table = new CommandTable((bytes.length >>> 5) + 16);
  const sc = scenarioOver(table);
  const p = new LineParser(file);
  const settings: Settings = { override: opts.revision, resolved: false, capLine: 0 };
  const f = new FastLine();
  f.s = bytes;
  const n = bytes.length;
  let lineNo = 0;
  let cStart = 0; // where the line starts in str (the same line, counted in UTF-16 units)
  for (let start = 0; start <= n; ) {
    if (str === undefined) {
      // bytes: the fast path finds the line's end itself (no indexOf call a line); what it declines is cut out as a line
      lineNo++;
      f.p = start;
      f.end = n;
      let end: number;
      if (fastCommand(f, lineNo, table)) end = f.p;
      else {
        end = bytes.indexOf(NEWLINE, start);
        if (end < 0) end = n;
        slowLine(sc, table, p, settings, utf8Line(bytes, start, end), lineNo);
      }
      start = end + 1;
      continue;
    }
    // a string: its own line goes to the LineParser (the same text, not a decoding of its bytes)
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = n;
    let cEnd = str.indexOf('\n', cStart);
    if (cEnd < 0) cEnd = str.length;
    lineNo++;
    f.p = start;
    f.end = end;
    if (!fastCommand(f, lineNo, table)) slowLine(sc, table, p, settings, str.slice(cStart, cEnd), lineNo);
    start = end + 1;
    cStart = cEnd + 1;
  }
  resolveSettings(sc, p, settings);
  return sc;
}

const NEWLINE = 10;
/** one line of the bytes as text (the LineParser's input), decoded as readFileSync(FILE, 'utf8') would */
function utf8Line(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

interface Settings {
  override?: Revision;
  /** the revision is fixed (the first cache command was seen) */
  resolved: boolean;
  /** line of the `cachemaxbytes` setting, 0 if none */
  capLine: number;
}

/** Fixes the revision the names resolve with; checks the settings that depend on it. */
function resolveSettings(sc: Scenario, p: LineParser, st: Settings): void {
  if (st.resolved) return;
  st.resolved = true;
  const rev = st.override ?? sc.revision ?? DEFAULT_REVISION;
  sc.encoding = rev;
  p.rev = resolveRevision(rev);
  if (st.capLine && !p.rev.cacheSizeCap) {
    p.line = st.capLine;
    p.fail(`cachemaxbytes: revision ${rev.name} has no per-connection cache cap (cache_maxbytes exists in ${revisionNames().filter((n) => resolveRevision(revisionByName(n)!).cacheSizeCap).join(', ')})`);
  }
}

/** Everything the fast path declines: comments, blank lines, names, settings, errors. */
function slowLine(sc: Scenario, t: CommandTable, p: LineParser, st: Settings, raw: string, lineNo: number): void {
  p.line = lineNo;
  const hash = raw.indexOf('#');
  if (hash >= 0) raw = raw.slice(0, hash);
  raw = raw.trim();
  if (raw.length === 0) return;
  const words = raw.split(/\s+/);
  p.words = words;
  const op = words[0];
  if (KERNEL_SETUP_WORDS.has(op) || KERNEL_COMMAND_WORDS.has(op)) return kernelLine(sc, t, p, st, words, lineNo);
  const arity = ARITY.get(op);
  if (arity === undefined) p.fail(`unknown command '${op}' (expected one of ${[...ARITY.keys()].join(', ')})`);
  if (words.length - 1 !== arity) p.fail(`'${op}' takes ${arity} argument${arity === 1 ? '' : 's'}, got ${words.length - 1} (usage: ${USAGE[op]})`);

  if (op in COMMAND_OPS) {
    resolveSettings(sc, p, st);
    p.line = lineNo;
  }
  switch (op) {
    case 'add':
    case 'upsert':
      t.push({ op, line: lineNo, fork: p.fork(1), map: p.mapping() });
      break;
    case 'remove':
      t.push({ op, line: lineNo, fork: p.fork(1), offset: p.s64(2, 'OFFSET'), length: p.i64(3, 'LENGTH') });
      break;
    case 'lookup':
      t.push({ op, line: lineNo, fork: p.fork(1), pos: p.s64(2, 'POS'), count: p.i64(3, 'COUNT') });
      break;
    case 'invalidate':
      t.push({ op, line: lineNo, offset: p.s64(1, 'OFFSET'), length: p.i64(2, 'LENGTH') });
      break;
    case 'dump':
      t.push({ op, line: lineNo, fork: p.fork(1) });
      break;
    default:
      // geometry, blocksize, maxbytes, revision: settings, before any command
      if (t.length) p.fail(`'${op}' must come before the first cache command`);
      if (op === 'geometry') {
        const g = geometryByName(words[1]);
        if (g === undefined) return p.fail(`geometry '${words[1]}' must be fuse or xfs`);
        sc.geometry = g;
      } else if (op === 'revision') {
        const rev = revisionByName(words[1]);
        if (rev === undefined) return p.fail(`revision '${words[1]}' is not one of ${revisionNames().join(', ')}`);
        sc.revision = rev;
      } else if (op === 'blocksize') {
        const bs = p.num(1, 'blocksize');
        if (bs === 0n || (bs & (bs - 1n)) !== 0n || bs > 1n << 31n) p.fail(`blocksize ${words[1]} must be a power of two no larger than 2^31`);
        sc.blockSize = bs;
      } else if (op === 'cachemaxbytes') {
        // fuse_iomap_cache_set_maxbytes clamps it; the cache does that
        sc.cacheMaxBytes = p.small(1, 'cachemaxbytes', 32);
        st.capLine = lineNo;
      } else {
        sc.maxBytes = s64(p.num(1, 'maxbytes'));
      }
  }
}

/** conn/device/inode setup lines and the kernel commands (src/scenario/kernel, docs/kernel-scenarios.md) */
function kernelLine(sc: Scenario, t: CommandTable, p: LineParser, st: Settings, words: string[], lineNo: number): void {
  const setup = (sc.kernel ??= { devices: [], inodes: [] });
  if (KERNEL_SETUP_WORDS.has(words[0])) {
    if (t.length) p.fail(`'${words[0]}' must come before the first cache command`);
    return parseKernelSetup(setup, p.file, lineNo, words);
  }
  resolveSettings(sc, p, st);
  p.line = lineNo;
  t.push(parseKernelCommand(p.file, lineNo, words, { rev: p.rev, protocol: protocolFor(sc.encoding ?? DEFAULT_REVISION) }));
}
