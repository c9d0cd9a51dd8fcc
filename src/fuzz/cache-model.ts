// SPDX-License-Identifier: GPL-2.0-only
/*
 * IomapCache (the model of the C) and OracleCache (src/oracle/extent-map.ts,
 * written from the meaning) driven in lockstep: after every operation the
 * return value, the sequence counter and lookups must agree; check()
 * compares the record lists and runs checkTreeStructure and checkMappings.
 * test/property.test.ts and the `cache` fuzz target share it.
 *
 * In fuzz mode (PairOptions.fuzz) a property that breaks while the model
 * walks through a known seed bug (onHazard) is recorded as a finding and
 * the run goes on (the oracle is re-synchronised to the model, which is
 * the kernel's behaviour), so a finding never hides a later failure. The
 * cookie-soundness property (PairOptions.cookies) remembers the cookies
 * lookups handed out and checks that each one stops revalidating once the
 * mapping of its range changes.
 */
import fc from 'fast-check';
import {
  FUSE_IOMAP_INVAL_TO_EOF,
  FUSE_IOMAP_NULL_ADDR,
  FUSE_IOMAP_TYPE_MAPPED,
  FUSE_IOMAP_TYPE_UNWRITTEN,
  Fork,
  LookupResult,
} from '../cache/constants.js';
import { HAZARDS, type HazardHit } from '../cache/hazards.js';
import { type CachedMapping, IomapCache } from '../cache/iomap-cache.js';
import { DEFAULT_REVISION, type Revision } from '../cache/revision.js';
import { checkTreeStructure } from '../iext/check.js';
import { FUSE_GEOMETRY, type Geometry, XFS_GEOMETRY } from '../iext/geometry.js';
import { KernelOops, type Mapping } from '../iext/record.js';
import type { IextTree } from '../iext/tree.js';
import { OracleCache } from '../oracle/extent-map.js';
import { type Finding, type PropertyName, PropertyViolation } from './violation.js';

export const S64_MAX = 0x7fff_ffff_ffff_ffffn;
export const hex = (x: bigint): string => '0x' + BigInt.asUintN(64, x).toString(16);
export const fmtMap = (m: Mapping): string => `[${hex(m.offset)}+${hex(m.length)} addr ${hex(m.addr)} t${m.type} f${m.flags} d${m.dev}]`;
export const sameMap = (a: Mapping, b: Mapping): boolean =>
  a.offset === b.offset && a.length === b.length && a.addr === b.addr && a.type === b.type && a.flags === b.flags && a.dev === b.dev;
export const forkStr = (f: Fork): string => (f === Fork.READ ? 'read' : 'write');
export const realType = (t: number): boolean => t === FUSE_IOMAP_TYPE_MAPPED || t === FUSE_IOMAP_TYPE_UNWRITTEN;

// ------------------------------------------------------------- the world

export interface World {
  geometry: 'fuse' | 'xfs';
  blockShift: number;
  maxBytes: 'llong' | 'tib' | 'small';
}

export function makeWorld(w: World): { geometry: Geometry; bs: bigint; maxBytes: bigint } {
  const bs = 1n << BigInt(w.blockShift);
  const maxBytes = w.maxBytes === 'llong' ? S64_MAX : w.maxBytes === 'tib' ? (1n << 40n) - 1n : 1500n * bs + 123n;
  return { geometry: w.geometry === 'fuse' ? FUSE_GEOMETRY : XFS_GEOMETRY, bs, maxBytes };
}

export const worldArb: fc.Arbitrary<World> = fc.record({
  geometry: fc.constantFrom<'fuse' | 'xfs'>('fuse', 'xfs'),
  blockShift: fc.constantFrom(9, 10, 12),
  maxBytes: fc.constantFrom<World['maxBytes']>('llong', 'llong', 'tib', 'small'),
});

/** The concrete setting a Pair runs in (a World, or a scenario's settings). */
export interface Setting {
  geometry: Geometry;
  bs: bigint;
  maxBytes: bigint;
}

// ------------------------------------------------- concrete operations

export type Op =
  | { op: 'add' | 'upsert'; fork: Fork; map: Mapping }
  | { op: 'remove'; fork: Fork; start: bigint; len: bigint }
  | { op: 'lookup'; fork: Fork; off: bigint; len: bigint }
  | { op: 'inval'; off: bigint; len: bigint };

export const fmtOp = (o: Op): string => {
  switch (o.op) {
    case 'add':
    case 'upsert':
      return `${o.op} ${forkStr(o.fork)} ${fmtMap(o.map)}`;
    case 'remove':
      return `remove ${forkStr(o.fork)} ${hex(o.start)} ${hex(o.len)}`;
    case 'lookup':
      return `lookup ${forkStr(o.fork)} ${hex(o.off)} ${hex(o.len)}`;
    case 'inval':
      return `invalidate ${hex(o.off)} ${hex(o.len)}`;
  }
};

/**
 * Inside the domain where OracleCache is exact (its header): offsets >= 0,
 * ends at most 2^62, add lengths > 0 (remove/invalidate lengths may be ~0).
 */
const DOMAIN_END = 1n << 62n;
export function inOracleDomain(o: Op, maxBytes: bigint): boolean {
  if (maxBytes <= 0n) return false;
  switch (o.op) {
    case 'add':
    case 'upsert':
      return o.map.offset >= 0n && o.map.length > 0n && o.map.offset + o.map.length <= DOMAIN_END;
    case 'remove':
      return o.start >= 0n && (o.len === FUSE_IOMAP_INVAL_TO_EOF || o.start + o.len <= DOMAIN_END);
    case 'inval':
      return o.off >= 0n && (o.len === FUSE_IOMAP_INVAL_TO_EOF || o.off + o.len <= DOMAIN_END);
    case 'lookup':
      return o.off >= 0n && o.off + o.len <= DOMAIN_END;
  }
}

/** Coverage counters: what the generated sequences actually exercised. */
export interface Stats {
  ops: number;
  maxHeight: { fuse: number; xfs: number };
  addInsert: number;
  addMergeOne: number;
  addMergeBoth: number;
  addFail: number;
  removeWhole: number;
  removeTrim: number;
  removePunch: number;
  removeFail: number;
  shortcut: number;
  hit: number;
  miss: number;
  nofork: number;
}
export const newStats = (): Stats => ({
  ops: 0,
  maxHeight: { fuse: 0, xfs: 0 },
  addInsert: 0,
  addMergeOne: 0,
  addMergeBoth: 0,
  addFail: 0,
  removeWhole: 0,
  removeTrim: 0,
  removePunch: 0,
  removeFail: 0,
  shortcut: 0,
  hit: 0,
  miss: 0,
  nofork: 0,
});

export const SENTINEL: CachedMapping = { addr: 0x5a5an, offset: -7n, length: 0x77n, type: 0x1234, flags: 0x4321, dev: 99, validityCookie: 0xdeadn };

export interface PairOptions {
  /** kernel revision of the model (default rfc-v3); the oracle is rfc-v3, so other revisions skip the differential check */
  revision?: Revision;
  /** findings instead of failures where a hazard explains them; out-of-domain divergences resync the oracle */
  fuzz?: boolean;
  /** check cookie soundness */
  cookies?: boolean;
  /** how many handed-out cookies are remembered (the oldest is forgotten) */
  cookieWindow?: number;
  /**
   * after a successful add/upsert, the fork must read back exactly the
   * mapping just added (type, flags, dev, address) over its whole range:
   * a check that does not go through the merge predicates the oracle shares
   */
  readBack?: boolean;
}

/** A cookie handed out by a lookup, with what its range mapped to then. */
interface Cookie {
  fork: Fork;
  off: bigint;
  len: bigint;
  cookie: bigint;
  pieces: string;
  opIndex: number;
}

/** The records a read of [off, off + len) in a fork sees, clipped to the range, as text. */
function rangePieces(tree: IextTree | null, off: bigint, len: bigint): string {
  if (!tree) return 'nofork';
  const end = off + len;
  const out: string[] = [];
  for (const r of tree.records()) {
    const rEnd = r.offset + r.length;
    if (r.offset >= end) break;
    if (rEnd <= off) continue;
    const from = r.offset > off ? r.offset : off;
    const to = rEnd < end ? rEnd : end;
    const addr = realType(r.type) ? hex(r.addr + (from - r.offset)) : hex(r.addr);
    out.push(`${hex(from)}+${hex(to - from)}:${addr}:${r.type}:${r.flags}:${r.dev}`);
  }
  return out.join(',');
}

/** IomapCache and OracleCache driven in lockstep. */
export class Pair {
  readonly cache: IomapCache;
  oracle: OracleCache;
  readonly bs: bigint;
  readonly maxBytes: bigint;
  readonly geometry: Geometry;
  /** every operation run so far, in order (the reproducer) */
  readonly ops: Op[] = [];
  readonly findings: Finding[] = [];
  /** differential checks are on (the model runs the oracle's revision) */
  readonly differential: boolean;
  /** operations outside the oracle's exact domain that diverged and were resynchronised */
  outOfDomain = 0;
  private readonly log: string[] = [];
  private readonly fuzz: boolean;
  private readonly cookieWindow: number;
  private readonly readBack: boolean;
  private cookies: Cookie[] | null;
  private hazardsThisOp: HazardHit[] = [];
  /** hazards that fired in this run, by id */
  readonly hazardsSeen = new Set<string>();
  /**
   * Set once a mapping of a non-MAPPED/UNWRITTEN type with an address other
   * than FUSE_IOMAP_NULL_ADDR has entered the cache. fuse_iomap_upsert
   * refuses such mappings (SPEC 5.2 checks 12 and 14), and they are the one
   * way a remove can leave two mergeable neighbours behind: cutting the
   * front of such a record gives the rest NULL_ADDR (fuse_iext_del_mapping),
   * which may then match its right neighbour. The C does not merge there and
   * neither does the model; check_mappings would complain. From then on
   * "could merge" is tolerated, every other checkMappings problem is not.
   */
  private unvalidated = false;

  constructor(
    w: World | Setting,
    private readonly stats: Stats,
    opts: PairOptions = {},
  ) {
    const { geometry, bs, maxBytes } = 'bs' in w ? w : makeWorld(w);
    this.bs = bs;
    this.maxBytes = maxBytes;
    this.geometry = geometry;
    const revision = opts.revision ?? DEFAULT_REVISION;
    this.differential = revision === DEFAULT_REVISION;
    this.fuzz = opts.fuzz ?? false;
    this.cookies = opts.cookies ? [] : null;
    this.cookieWindow = opts.cookieWindow ?? 8;
    this.readBack = opts.readBack ?? false;
    this.cache = new IomapCache(
      { ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: bs, maxBytes },
      { geometry, revision, onHazard: (hit) => this.hazardsThisOp.push(hit) },
    );
    this.cache.enabled = true;
    this.oracle = new OracleCache({ blockSize: bs, maxBytes });
    this.log.push(`world: geometry ${geometry.name}, blocksize ${bs}, maxbytes ${hex(maxBytes)}, revision ${revision.name}`);
  }

  fail(what: string, property: PropertyName = 'differential'): never {
    const tail = this.log.length > 40 ? [this.log[0], `... (${this.log.length - 40} more)`, ...this.log.slice(-39)] : this.log;
    throw new PropertyViolation(property, `${what}\noperations so far:\n  ${tail.join('\n  ')}`);
  }

  /** The records targeted commands aim at: the oracle's, or the model's when there is no differential. */
  records(fork: Fork): Mapping[] | null {
    if (this.differential) return this.oracle.records(fork);
    const t = this.cache.forkPtr(fork);
    return t ? [...t.records()].map((m) => ({ ...m })) : null;
  }

  count(fork: Fork): number {
    return this.differential ? this.oracle.count(fork) : (this.cache.forkPtr(fork)?.count() ?? 0);
  }

  /**
   * A broken property: a finding when a hazard explains it (fuzz mode), a
   * failure otherwise. Returns only for findings. For state checks
   * (stateful) the hazard that put a tainted record in the fork comes
   * first, then one that fired in this operation.
   */
  private violated(property: PropertyName, what: string, stateful = false): void {
    const hit = this.hazardsThisOp[0];
    const taint = stateful ? this.taintHazard() : undefined;
    const hazard = taint ?? hit?.hazard.id;
    if (this.fuzz && hazard) {
      const detail = !taint && hit ? ` (${hit.detail})` : '';
      this.findings.push({ property, hazard, message: `${what}${detail}`, opIndex: this.ops.length - 1 });
      return;
    }
    this.fail(what, property);
  }

  /** The first hazard of this run that leaves records behind that break invariants (all but the seq-bump one). */
  private taintHazard(): string | undefined {
    for (const id of this.hazardsSeen) if (id !== HAZARDS.eraseAllNoSeqBump.id) return id;
    return undefined;
  }

  /** Make the oracle hold what the model holds (after a divergence the oracle cannot follow). */
  private resync(): void {
    const o = new OracleCache({ blockSize: this.bs, maxBytes: this.maxBytes });
    for (const fork of [Fork.READ, Fork.WRITE]) {
      const t = this.cache.forkPtr(fork);
      if (!t) continue;
      if (fork === Fork.WRITE && t.count() === 0) {
        // create the empty write fork the way the C does: a first add (then remove it)
        o.add(fork, { offset: 0n, length: 1n, addr: FUSE_IOMAP_NULL_ADDR, type: 0, flags: 0, dev: 0 });
        o.remove(fork, 0n, 1n);
      }
      for (const r of t.records()) o.add(fork, { ...r });
    }
    o.seq = this.cache.seq;
    this.oracle = o;
  }

  /** Run one operation on both; compare results and seq (not the records). */
  exec(o: Op): void {
    this.log.push(fmtOp(o));
    this.ops.push(o);
    this.stats.ops++;
    this.hazardsThisOp = [];
    try {
      this.execChecked(o);
    } catch (e) {
      if (e instanceof PropertyViolation) throw e;
      // the model threw: a KernelOops is the modelled C crashing
      const property: PropertyName = e instanceof KernelOops ? 'kernel-oops' : 'no-crash';
      const what = `${fmtOp(o)} threw ${(e as Error).stack ?? e}`;
      if (this.fuzz && this.hazardsThisOp.length) {
        this.violated(property, what);
        // the model's state after an exception is unknown: stop this run here
        throw new StopRun();
      }
      this.fail(what, property);
    } finally {
      for (const h of this.hazardsThisOp) this.hazardsSeen.add(h.hazard.id);
    }
  }

  private execChecked(o: Op): void {
    const { cache, oracle } = this;
    const seq0 = oracle.seq;
    const mseq0 = cache.seq;
    const n0 = o.op === 'inval' ? this.count(Fork.READ) + this.count(Fork.WRITE) : this.count(o.fork);
    let a: number;
    let b = 0;
    const diff = this.differential;
    if ((o.op === 'add' || o.op === 'upsert') && !realType(o.map.type) && o.map.addr !== FUSE_IOMAP_NULL_ADDR) this.unvalidated = true;
    let mv: CachedMapping | null = null;
    switch (o.op) {
      case 'add':
        a = cache.cacheAdd(o.fork, { ...o.map });
        if (diff) b = oracle.add(o.fork, { ...o.map });
        break;
      case 'upsert':
        a = cache.cacheUpsert(o.fork, { ...o.map });
        if (diff) b = oracle.upsert(o.fork, { ...o.map });
        break;
      case 'remove':
        a = cache.cacheRemove(o.fork, o.start, o.len);
        if (diff) b = oracle.remove(o.fork, o.start, o.len);
        break;
      case 'inval':
        a = cache.invalidateRange(o.off, o.len);
        if (diff) b = oracle.invalidateRange(o.off, o.len);
        break;
      case 'lookup': {
        mv = { ...SENTINEL };
        const ov: CachedMapping = { ...SENTINEL };
        a = cache.cacheLookup(o.fork, o.off, o.len, mv);
        if (diff) {
          b = oracle.lookup(o.fork, o.off, o.len, ov);
          if (a !== b) this.diverged(o, `lookup result: model ${LookupResult[a]}, oracle ${LookupResult[b]}`);
          else if (!sameMap(mv, ov) || mv.validityCookie !== ov.validityCookie)
            this.diverged(o, `lookup mapping: model ${fmtMap(mv)} cookie ${mv.validityCookie}, oracle ${fmtMap(ov)} cookie ${ov.validityCookie}`);
          b = a;
        }
        if (a === LookupResult.HIT) this.stats.hit++;
        else if (a === LookupResult.MISS) this.stats.miss++;
        else this.stats.nofork++;
        break;
      }
    }
    if (diff) {
      if (a !== b) this.diverged(o, `return value: model ${a}, oracle ${b}`);
      else if (cache.seq !== this.oracle.seq) this.diverged(o, `seq: model ${cache.seq}, oracle ${this.oracle.seq} (was ${seq0})`);
    }
    if (this.cookies) this.checkCookies(o, mseq0, a, mv);
    if (this.readBack && this.differential && a === 0 && (o.op === 'add' || o.op === 'upsert') && inOracleDomain(o, this.maxBytes)) this.checkReadBack(o);
    // coverage bookkeeping
    const d = Number(cache.seq - mseq0);
    if (o.op === 'add' || o.op === 'upsert') {
      if (a !== 0) this.stats.addFail++;
      if (o.op === 'add' && a === 0) {
        const n1 = this.count(o.fork);
        if (d === 2) this.stats.addMergeBoth++;
        else if (n1 === n0) this.stats.addMergeOne++;
        else this.stats.addInsert++;
      }
    } else if (o.op === 'remove') {
      const n1 = this.count(o.fork);
      if (a !== 0) this.stats.removeFail++;
      else if (n0 > 0 && n1 === 0 && d === 0) this.stats.shortcut++;
      else if (n1 > n0) this.stats.removePunch++;
      else if (n1 < n0) this.stats.removeWhole++;
      else if (d > 0) this.stats.removeTrim++;
    } else if (o.op === 'inval' && n0 > 0 && d === 0 && this.count(Fork.READ) + this.count(Fork.WRITE) === 0) {
      this.stats.shortcut++;
    }
  }

  /**
   * Model and oracle disagree. Outside fuzz mode that is a failure. In fuzz
   * mode a hazard in this operation makes it a finding; an operation
   * outside the oracle's exact domain (no hazard) is the oracle's limit,
   * not a bug. Either way the oracle takes over the model's state.
   */
  private diverged(o: Op, what: string): void {
    if (this.fuzz && this.hazardsThisOp.length === 0) {
      if (!inOracleDomain(o, this.maxBytes)) this.outOfDomain++;
      // a record only a seed bug could have put there explains it (e.g. a negative offset covering later adds)
      else this.violated('differential', what, this.anyTainted());
    } else this.violated('differential', what, this.anyTainted());
    this.resync();
  }

  private anyTainted(): boolean {
    return this.tainted(this.cache.read) || (this.cache.write !== null && this.tainted(this.cache.write));
  }

  /** The added mapping is what the fork now holds over its range. */
  private checkReadBack(o: Extract<Op, { op: 'add' | 'upsert' }>): void {
    const m = o.map;
    const end = m.offset + m.length;
    let at = m.offset;
    for (const r of this.cache.forkPtr(o.fork)?.records() ?? []) {
      if (r.offset + r.length <= at) continue;
      if (r.offset >= end) break;
      const wantAddr = realType(m.type) ? BigInt.asUintN(64, m.addr + (at - m.offset)) : m.addr;
      const gotAddr = realType(r.type) ? BigInt.asUintN(64, r.addr + (at - r.offset)) : r.addr;
      if (r.offset > at || r.type !== m.type || r.flags !== m.flags || r.dev !== m.dev || gotAddr !== wantAddr) {
        this.violated('read-back', `after ${fmtOp(o)} the ${forkStr(o.fork)} fork holds ${r.offset > at ? `a gap at ${hex(at)}` : fmtMap(r)} at ${hex(at)}`);
        return;
      }
      at = r.offset + r.length;
      if (at >= end) return;
    }
    if (at < end) this.violated('read-back', `after ${fmtOp(o)} the ${forkStr(o.fork)} fork holds nothing at ${hex(at)}`);
  }

  /** Cookie soundness: remember hits; after a change without a seq bump, no remembered cookie may still revalidate. */
  private checkCookies(o: Op, seq0: bigint, ret: number, mv: CachedMapping | null): void {
    const cookies = this.cookies!;
    if (o.op === 'lookup') {
      if (ret === LookupResult.HIT && mv) {
        cookies.push({ fork: o.fork, off: mv.offset, len: mv.length, cookie: mv.validityCookie, pieces: rangePieces(this.cache.forkPtr(o.fork), mv.offset, mv.length), opIndex: this.ops.length - 1 });
        if (cookies.length > this.cookieWindow) cookies.shift();
      }
      return;
    }
    if (this.cache.seq !== seq0) {
      // every cookie handed out so far carries an older value: none revalidates
      cookies.length = 0;
      return;
    }
    for (let i = 0; i < cookies.length; i++) {
      const c = cookies[i];
      if (c.cookie !== this.cache.seq) continue;
      const now = rangePieces(this.cache.forkPtr(c.fork), c.off, c.len);
      if (now === c.pieces) continue;
      cookies.splice(i--, 1);
      this.violated(
        'cookie-soundness',
        `cookie ${c.cookie} from operation #${c.opIndex} (${forkStr(c.fork)} ${hex(c.off)}+${hex(c.len)}) still revalidates after ${fmtOp(o)} changed its mapping from [${c.pieces}] to [${now}]`,
      );
    }
  }

  /** Full comparison of both forks plus the structural checks. */
  check(): void {
    for (const fork of [Fork.READ, Fork.WRITE]) {
      const tree = this.cache.forkPtr(fork);
      const want = this.differential ? this.oracle.records(fork) : tree ? [] : null;
      if ((tree === null) !== (want === null))
        this.fail(`${forkStr(fork)} fork: model ${tree ? 'has' : 'has no'} fork, oracle ${want ? 'has' : 'has no'} fork`);
      if (tree === null || want === null) continue;
      const problems = checkTreeStructure(tree);
      if (problems.length > 0) this.violated('tree-structure', `${forkStr(fork)} fork tree structure:\n    ${problems.join('\n    ')}`, this.tainted(tree));
      const mp = this.cache.checkMappings(fork).filter((p) => !this.unvalidated || p.what !== 'record could merge with its predecessor');
      if (mp.length > 0) this.violated('check-mappings', `${forkStr(fork)} fork checkMappings: ${mp.map((p) => `#${p.index} ${p.what}`).join('; ')}`, this.tainted(tree));
      if (this.differential) this.compareRecords(fork, tree, want);
      const g = this.geometry.name;
      if (tree.height > this.stats.maxHeight[g]) this.stats.maxHeight[g] = tree.height;
    }
  }

  private compareRecords(fork: Fork, tree: IextTree, want: Mapping[]): void {
    let i = 0;
    let bad: string | null = null;
    for (const got of tree.records()) {
      if (i >= want.length) {
        bad = `${forkStr(fork)} fork: model has extra record #${i} ${fmtMap(got)} (oracle has ${want.length})`;
        break;
      }
      if (!sameMap(got, want[i])) {
        bad = `${forkStr(fork)} fork record #${i}: model ${fmtMap(got)}, oracle ${fmtMap(want[i])}`;
        break;
      }
      i++;
    }
    if (bad === null && i !== want.length) bad = `${forkStr(fork)} fork: model has ${i} records, oracle ${want.length}`;
    if (bad === null && tree.count() !== want.length) bad = `${forkStr(fork)} fork: count() ${tree.count()}, oracle ${want.length}`;
    if (bad === null) return;
    // a state check: a hazard earlier in the run may explain it
    if (!this.fuzz) this.fail(bad);
    const last = this.ops[this.ops.length - 1];
    if (this.hazardsSeen.size > 0 || (last && !inOracleDomain(last, this.maxBytes))) {
      if (this.hazardsSeen.size > 0) this.violated('differential', bad, this.anyTainted());
      else this.outOfDomain++;
      this.resync();
      return;
    }
    this.fail(bad);
  }

  /** The fork holds a record only the known seed bugs put there (offset >= 2^63 or an end past it). */
  private tainted(tree: IextTree): boolean {
    if (this.hazardsSeen.size === 0) return false;
    for (const r of tree.records()) if (r.offset < 0n || r.offset + r.length > S64_MAX + 1n) return true;
    return false;
  }
}

/** Thrown by Pair.exec after a finding left the model in an unknown state: the run ends there. */
export class StopRun extends Error {}
