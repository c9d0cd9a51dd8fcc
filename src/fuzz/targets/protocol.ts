// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `protocol` target: a malicious server's notification bytes
 * (FUSE_NOTIFY_IOMAP_UPSERT / INVAL: structured payloads with adversarial
 * types, flags, devices, offsets near 2^63, overflowing lengths, wrong
 * nodeids and attr_ino; bit-flipped and wrongly sized payloads; unknown
 * codes) and iomap_begin replies, through src/protocol's entry points on
 * a connection with two devices and four inodes (normal, FUSE_I_BAD,
 * never set up for fileio, small s_maxbytes). Properties: nothing throws
 * (protocol-never-throws); every answer is the errno SPEC 5.2/5.3 give
 * (protocol-errno, reference in protocol-reference.ts; rfc-v3); the
 * caches keep a sound tree, pass check_mappings and hold what OracleCache
 * says the accepted upserts and invalidations leave (differential).
 * Violations while a seed hazard fired (or a record only a hazard could
 * have put there is cached) are findings.
 */
import fc from 'fast-check';
import { Fork } from '../../cache/constants.js';
import type { HazardHit } from '../../cache/hazards.js';
import type { IomapCache } from '../../cache/iomap-cache.js';
import { RFC_V3, type Revision } from '../../cache/revision.js';
import { checkTreeStructure } from '../../iext/check.js';
import type { Mapping } from '../../iext/record.js';
import { OracleCache } from '../../oracle/extent-map.js';
import { FuseConn, beginValidate, decodeBeginOut, fuseNotify, type FuseInode } from '../../protocol/index.js';
import { fmtMap, sameMap } from '../cache-model.js';
import type { Bias, FuzzTarget, Outcome, TargetOptions } from '../target.js';
import type { Finding, PropertyName } from '../violation.js';
import { type RefIo, type RefWorld, referenceInval, referenceUpsert } from './protocol-reference.js';

const BS = 4096n;
const S64_MAX = 0x7fff_ffff_ffff_ffffn;
const NULL_ADDR = 0xffff_ffff_ffff_ffffn;
const SMALL_MAX = 1n << 30n;

/** One concrete notification (what a reproducer line holds). */
export interface ProtoOp {
  kind: 'notify' | 'begin';
  code: number;
  pos: bigint;
  payload: Uint8Array;
}

export interface ProtocolCase {
  ops: ProtoOp[];
}

type IoSpec = { type: number; flags: number; off: number; offEdge: number; len: number; lenEdge: number; addr: number; dev: number };
type Cmd =
  | { k: 'upsert'; nodeid: number; attr: number; read: IoSpec; write: IoSpec }
  | { k: 'inval'; nodeid: number; attr: number; ro: number; rl: number; wo: number; wl: number }
  | { k: 'flip'; base: Extract<Cmd, { k: 'upsert' }>; bits: number[] }
  | { k: 'raw'; code: number; bytes: Uint8Array }
  | { k: 'begin'; pos: number; bytes: Uint8Array; base: IoSpec };

export const PROTOCOL_BIAS: Readonly<Bias> = Object.freeze({ upsert: 10, inval: 4, flip: 2, raw: 1, begin: 2, maxCmds: 24 });

const NODEIDS = [7n, 7n, 7n, 8n, 9n, 10n, 99n];
const TYPES = [0xfffe, 0, 1, 2, 2, 2, 3, 4, 0xffff];
const ioArb: fc.Arbitrary<IoSpec> = fc.record({
  type: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: fc.nat(0xffff) }),
  flags: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 0, 2, 1, 0x1000) }, { weight: 1, arbitrary: fc.nat(0xffff) }),
  off: fc.nat(64),
  offEdge: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) }),
  len: fc.integer({ min: 1, max: 16 }),
  lenEdge: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) }),
  addr: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  dev: fc.oneof({ weight: 8, arbitrary: fc.constant(-1) }, { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 3, 0x7fffffff, 0xffffffff) }),
});

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** The wire fields of one half: mostly what the upsert checks accept, now and then something they must refuse. */
function io(s: IoSpec, small: boolean): RefIo {
  const top = small ? SMALL_MAX : S64_MAX + 1n;
  let offset = BigInt(s.off) * BS;
  if (s.offEdge === 1) offset = top - BS; // just below s_maxbytes / 2^63
  else if (s.offEdge === 2) offset = top; // at it (2^63: negative loff_t)
  else if (s.offEdge === 3) offset = (1n << 63n) + BigInt(s.off) * BS; // negative loff_t
  else if (s.offEdge === 4) offset += 17n; // unaligned
  else if (s.offEdge === 5) offset = u64(-BS); // 2^64 - bs
  else if (s.offEdge === 6) offset = 1n << 62n;
  let length = BigInt(s.len) * BS;
  if (s.lenEdge === 1) length = 0n;
  else if (s.lenEdge === 2) length += 100n; // unaligned
  else if (s.lenEdge === 3) length = u64(-offset) + BS; // offset + length overflows u64
  else if (s.lenEdge === 4) length = (1n << 63n) - (offset & ((1n << 63n) - 1n)) + BS; // crosses 2^63
  else if (s.lenEdge === 5) length = u64(-offset) & ~(BS - 1n); // up to the top
  const real = s.type === 2 || s.type === 3;
  let addr = real ? 0x100000n + offset % (1n << 28n) : NULL_ADDR;
  if (s.addr === 1) addr = NULL_ADDR;
  else if (s.addr === 2) addr = 0x200000n;
  else if (s.addr === 3) addr = u64(-BS); // addr + length overflows
  else if (s.addr === 4) addr = (1n << 30n) - BS; // runs past device 1's end
  const dev = s.dev === -1 ? (real ? 1 : 0) : s.dev;
  return { offset: u64(offset), length: u64(length), addr, type: s.type, flags: s.flags, dev };
}

function attrFor(nodeid: bigint, sel: number): bigint {
  if (sel === 1) return nodeid;
  if (sel === 2) return 12345n;
  return nodeid === 7n ? 12n : nodeid;
}

// The inputs are laid out here from SPEC's byte offsets, not with src/protocol/codec.ts:
// a layout bug in the codec would otherwise cancel out between encoding and decoding.
function putIo(dv: DataView, at: number, m: RefIo): void {
  dv.setBigUint64(at, m.offset, true);
  dv.setBigUint64(at + 8, m.length, true);
  dv.setBigUint64(at + 16, m.addr, true);
  dv.setUint16(at + 24, m.type, true);
  dv.setUint16(at + 26, m.flags, true);
  dv.setUint32(at + 28, m.dev, true);
}

function getIo(dv: DataView, at: number): RefIo {
  return { offset: dv.getBigUint64(at, true), length: dv.getBigUint64(at + 8, true), addr: dv.getBigUint64(at + 16, true), type: dv.getUint16(at + 24, true), flags: dv.getUint16(at + 26, true), dev: dv.getUint32(at + 28, true) };
}

/** struct fuse_iomap_upsert_out (SPEC 1.9): nodeid, attr_ino, read io @16, write io @48 */
function upsertBytes(c: Extract<Cmd, { k: 'upsert' }>): Uint8Array {
  const b = new Uint8Array(80);
  const dv = new DataView(b.buffer);
  const nodeid = NODEIDS[c.nodeid % NODEIDS.length];
  const small = nodeid === 10n;
  dv.setBigUint64(0, nodeid, true);
  dv.setBigUint64(8, attrFor(nodeid, c.attr), true);
  putIo(dv, 16, io(c.read, small));
  putIo(dv, 48, io(c.write, small));
  return b;
}

function toOps(c: Cmd): ProtoOp[] {
  switch (c.k) {
    case 'upsert':
      return [{ kind: 'notify', code: 9, pos: 0n, payload: upsertBytes(c) }];
    case 'flip': {
      const b = upsertBytes(c.base);
      for (const bit of c.bits) b[(bit >> 3) % 80] ^= 1 << (bit & 7);
      return [{ kind: 'notify', code: 9, pos: 0n, payload: b }];
    }
    case 'inval': {
      const b = new Uint8Array(48);
      const dv = new DataView(b.buffer);
      const nodeid = NODEIDS[c.nodeid % NODEIDS.length];
      const r = (o: number): bigint => (o === 200 ? 1n << 63n : o === 201 ? 0xffff_ffff_ffff_f000n : o === 202 ? 123n : BigInt(o) * BS);
      const l = (n: number): bigint => (n === 200 ? NULL_ADDR : n === 201 ? 1n << 63n : n === 202 ? 100n : BigInt(n) * BS);
      [nodeid, attrFor(nodeid, c.attr), r(c.ro), l(c.rl), r(c.wo), l(c.wl)].forEach((v, i) => dv.setBigUint64(i * 8, v, true));
      return [{ kind: 'notify', code: 10, pos: 0n, payload: b }];
    }
    case 'raw':
      return [{ kind: 'notify', code: c.code, pos: 0n, payload: c.bytes }];
    case 'begin': {
      // a begin reply: a well-formed one with some bytes overwritten, or garbage of any size
      const b = new Uint8Array(48);
      const m = io(c.base, false);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, m.offset, true);
      dv.setBigUint64(8, m.length, true);
      dv.setBigUint64(16, m.addr, true);
      dv.setUint16(24, m.type, true);
      dv.setUint16(26, m.flags, true);
      dv.setUint32(28, m.dev, true);
      dv.setBigUint64(32, m.addr, true);
      dv.setUint16(40, c.base.type === 0xffff ? 0xffff : 0xfffe, true);
      const payload = c.bytes.length > 48 ? c.bytes : b.map((x, i) => (i < c.bytes.length && c.bytes[i] & 1 ? c.bytes[i] : x));
      return [{ kind: 'begin', code: 0, pos: BigInt(c.pos) * BS, payload }];
    }
  }
}

const idx = fc.integer({ min: 0, max: 6 });
const pos = fc.oneof({ weight: 8, arbitrary: fc.nat(64) }, { weight: 1, arbitrary: fc.constantFrom(200, 201, 202) });

export class ProtocolTarget implements FuzzTarget<Cmd[], ProtocolCase> {
  readonly name = 'protocol' as const;
  readonly ext = '.protocol' as const;
  readonly defaultBias = PROTOCOL_BIAS;
  readonly coverageFiles = ['src/protocol/notify.js', 'src/protocol/validate.js', 'src/protocol/codec.js', 'src/cache/iomap-cache.js'];
  readonly revision: Revision;

  constructor(opts: TargetOptions) {
    this.revision = opts.revision;
  }

  arbitrary(bias: Readonly<Bias>): fc.Arbitrary<Cmd[]> {
    const upsert = fc.record({ k: fc.constant<'upsert'>('upsert'), nodeid: idx, attr: fc.constantFrom(0, 0, 0, 0, 1, 2), read: ioArb, write: ioArb });
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      { weight: bias.upsert ?? 10, arbitrary: upsert },
      { weight: bias.inval ?? 4, arbitrary: fc.record({ k: fc.constant<'inval'>('inval'), nodeid: idx, attr: fc.constantFrom(0, 0, 2), ro: pos, rl: pos, wo: pos, wl: pos }) },
      { weight: bias.flip ?? 2, arbitrary: fc.record({ k: fc.constant<'flip'>('flip'), base: upsert, bits: fc.array(fc.nat(639), { minLength: 1, maxLength: 3 }) }) },
      { weight: bias.raw ?? 1, arbitrary: fc.record({ k: fc.constant<'raw'>('raw'), code: fc.constantFrom(9, 10, 0, 11, 100), bytes: fc.uint8Array({ maxLength: 96 }) }) },
      { weight: bias.begin ?? 2, arbitrary: fc.record({ k: fc.constant<'begin'>('begin'), pos: fc.nat(64), bytes: fc.uint8Array({ maxLength: 72 }), base: ioArb }) },
    );
    return fc.array(cmd, { minLength: 1, maxLength: bias.maxCmds ?? 24 });
  }

  runInput(input: Cmd[]): { outcome: Outcome; case: ProtocolCase } {
    const c: ProtocolCase = { ops: input.flatMap(toOps) };
    return { outcome: this.runCase(c), case: c };
  }

  runCase(c: ProtocolCase): Outcome {
    return new ProtocolRun(this.revision).run(c.ops);
  }

  size(c: ProtocolCase): number {
    return c.ops.length;
  }

  without(c: ProtocolCase, from: number, to: number): ProtocolCase {
    return { ops: [...c.ops.slice(0, from), ...c.ops.slice(to)] };
  }

  /** one line per operation: `notify CODE HEX` or `begin POS HEX` */
  format(c: ProtocolCase): string {
    return c.ops.map((o) => (o.kind === 'notify' ? `notify ${o.code} ${Buffer.from(o.payload).toString('hex') || '-'}` : `begin 0x${o.pos.toString(16)} ${Buffer.from(o.payload).toString('hex') || '-'}`)).join('\n') + '\n';
  }

  parse(body: Buffer, file: string): ProtocolCase {
    const ops: ProtoOp[] = [];
    body
      .toString('utf8')
      .split('\n')
      .forEach((raw, i) => {
        const line = raw.replace(/#.*/, '').trim();
        if (!line) return;
        const m = /^(notify) (\d+) ([0-9a-f]*|-)$|^(begin) 0x([0-9a-f]+) ([0-9a-f]*|-)$/.exec(line);
        if (!m) throw new Error(`${file}:${i + 1}: expected 'notify CODE HEX' or 'begin 0xPOS HEX', got '${line.slice(0, 60)}'`);
        const hex = (m[3] ?? m[6]) === '-' ? '' : (m[3] ?? m[6]);
        if (hex.length % 2) throw new Error(`${file}:${i + 1}: odd number of hex digits`);
        const payload = new Uint8Array(Buffer.from(hex, 'hex'));
        ops.push(m[1] ? { kind: 'notify', code: Number(m[2]), pos: 0n, payload } : { kind: 'begin', code: 0, pos: BigInt('0x' + m[5]), payload });
      });
    return { ops };
  }
}

/** One run: the connection, the reference world and an oracle per inode that has a cache. */
class ProtocolRun {
  private readonly conn: FuseConn;
  private readonly ref: RefWorld;
  private readonly oracles = new Map<bigint, OracleCache>();
  private hazardsThisOp: HazardHit[] = [];
  private readonly hazardsSeen = new Set<string>();
  private readonly findings: Finding[] = [];
  private opIndex = 0;
  private readonly differential: boolean;

  constructor(revision: Revision) {
    this.differential = revision === RFC_V3;
    this.conn = new FuseConn({ revision, maxBytes: S64_MAX, blockSize: BS, onHazard: (h) => this.hazardsThisOp.push(h) });
    this.conn.addDevice({ sizeBytes: 1n << 30n });
    this.conn.addDevice({ sizeBytes: 1n << 20n });
    this.conn.addInode({ nodeid: 7n, attrIno: 12n });
    this.conn.addInode({ nodeid: 8n, bad: true });
    this.conn.addInode({ nodeid: 9n, fileio: false });
    this.conn.addInode({ nodeid: 10n, maxBytes: SMALL_MAX });
    this.ref = {
      iomap: true,
      devices: new Map([
        [1, 1n << 30n],
        [2, 1n << 20n],
      ]),
      inodes: new Map([
        [7n, { attrIno: 12n, bad: false, blockSize: BS, maxBytes: S64_MAX }],
        [8n, { attrIno: 8n, bad: true, blockSize: BS, maxBytes: S64_MAX }],
        [9n, { attrIno: 9n, bad: false, blockSize: BS, maxBytes: S64_MAX }],
        [10n, { attrIno: 10n, bad: false, blockSize: BS, maxBytes: SMALL_MAX }],
      ]),
    };
    for (const [id, i] of this.ref.inodes) this.oracles.set(id, new OracleCache({ blockSize: i.blockSize, maxBytes: i.maxBytes }));
  }

  run(ops: ProtoOp[]): Outcome {
    try {
      for (this.opIndex = 0; this.opIndex < ops.length; this.opIndex++) this.exec(ops[this.opIndex]);
      return { failure: null, findings: this.findings };
    } catch (e) {
      if (e instanceof Violation) return { failure: { property: e.property, message: e.message, opIndex: this.opIndex }, findings: this.findings };
      return { failure: { property: 'no-crash', message: `harness threw ${(e as Error).stack ?? e}`, opIndex: this.opIndex }, findings: this.findings };
    }
  }

  /**
   * The hazard that explains a violation: a relevant one that fired in this
   * operation, else the first relevant one of the run while a cache holds a
   * record only such a hazard puts there (offset >= 2^63, end past it).
   */
  private explanation(): string | undefined {
    const now = this.hazardsThisOp.map((h) => h.hazard.id).find((id) => !BENIGN.has(id));
    if (now) return now;
    const t = this.taint();
    if (!t) return undefined;
    // the hazard that puts such a record there, if it fired; else the first relevant one
    const own = t === 'negative' ? ['upsert-signed-offset', 'negative-offset-record'] : ['upsert-end-past-maxbytes', 'remove-end-overflow'];
    return own.find((id) => this.hazardsSeen.has(id)) ?? [...this.hazardsSeen].find((id) => !BENIGN.has(id));
  }

  /** Does a cache hold a record at a negative loff_t, or one ending past 2^63? */
  private taint(): 'negative' | 'end' | null {
    let end = false;
    for (const nodeid of this.oracles.keys()) {
      const cache = this.conn.ilookup(nodeid)?.cacheOrNull;
      for (const fork of [Fork.READ, Fork.WRITE])
        for (const r of cache?.forkPtr(fork)?.records() ?? []) {
          if (r.offset < 0n) return 'negative';
          if (r.offset + r.length > S64_MAX + 1n) end = true;
        }
    }
    return end ? 'end' : null;
  }

  /** A finding when a hazard explains it; a failure otherwise. */
  private violated(property: PropertyName, what: string): void {
    const hazard = this.explanation();
    if (hazard) {
      this.findings.push({ property, hazard, message: what, opIndex: this.opIndex });
      return;
    }
    throw new Violation(property, `${what} (operation #${this.opIndex})`);
  }

  private exec(o: ProtoOp): void {
    this.hazardsThisOp = [];
    try {
      if (o.kind === 'begin') this.begin(o);
      else this.notify(o);
    } finally {
      for (const h of this.hazardsThisOp) this.hazardsSeen.add(h.hazard.id);
    }
  }

  private begin(o: ProtoOp): void {
    const p = this.conn.protocol;
    const inode = this.conn.ilookup(7n)!;
    try {
      const d = decodeBeginOut(p, o.payload);
      if (!d.ok) {
        if (d.err >= 0) throw new Violation('protocol-errno', `decodeBeginOut refused ${o.payload.length} bytes with errno ${d.err} (not negative)`);
        return;
      }
      const v = beginValidate(p, d.value, { blockSize: inode.blockSize, maxBytes: inode.maxBytes, cachesIomaps: inode.cachesIomaps }, o.pos);
      if (v.err > 0 || (v.err < 0 && !v.rule)) throw new Violation('protocol-errno', `beginValidate answered ${v.err} with rule '${v.rule}'`);
    } catch (e) {
      if (e instanceof Violation) throw e;
      throw new Violation('protocol-never-throws', `iomap_begin reply ${Buffer.from(o.payload).toString('hex')} threw ${(e as Error).stack ?? e}`);
    }
  }

  private notify(o: ProtoOp): void {
    const expected = this.expected(o);
    let r;
    try {
      r = fuseNotify(this.conn, o.code, o.payload);
    } catch (e) {
      return this.violated('protocol-never-throws', `notify ${o.code} ${Buffer.from(o.payload).toString('hex')} threw ${(e as Error).stack ?? e}`);
    }
    if (r.oops) this.violated('kernel-oops', `notify ${o.code}: the modelled kernel crashed: ${r.oops.message}`);
    else if (this.differential && r.err !== expected.err) this.violated('protocol-errno', `notify ${o.code} answered ${r.err} (rule '${r.rule}'), SPEC 5.2/5.3 say ${expected.err}${expected.why}`);
    this.checkCaches(expected.touched);
  }

  /** The errno the reference gives, applying accepted changes to the oracles. */
  private expected(o: ProtoOp): { err: number; why: string; touched: bigint | null } {
    const b = o.payload;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (o.code === 9) {
      if (b.length !== 80) return { err: -22, why: ' (payload size)', touched: null };
      const nodeid = dv.getBigUint64(0, true);
      const read = getIo(dv, 16);
      const write = getIo(dv, 48);
      const err = referenceUpsert(this.ref, nodeid, dv.getBigUint64(8, true), read, write);
      if (err) return { err, why: '', touched: null };
      const oracle = this.oracles.get(nodeid)!;
      for (const [fork, m] of [[Fork.READ, read], [Fork.WRITE, write]] as const) {
        if (m.type === 0xfffe) continue;
        const e = oracle.upsert(fork, { offset: BigInt.asIntN(64, m.offset), length: m.length, addr: m.addr, type: m.type, flags: m.flags, dev: m.dev });
        if (e) return { err: e, why: ` (oracle: ${fork === Fork.READ ? 'read' : 'write'} cache upsert)`, touched: nodeid };
      }
      return { err: 0, why: '', touched: nodeid };
    }
    if (o.code === 10) {
      if (b.length !== 48) return { err: -22, why: ' (payload size)', touched: null };
      const q = (i: number) => dv.getBigUint64(i * 8, true);
      const nodeid = q(0);
      const read = { offset: q(2), length: q(3) };
      const write = { offset: q(4), length: q(5) };
      const err = referenceInval(this.ref, nodeid, read, write);
      if (err) return { err, why: '', touched: null };
      const oracle = this.oracles.get(nodeid)!;
      const ret2 = read.length ? oracle.remove(Fork.READ, BigInt.asIntN(64, read.offset), read.length) : 0;
      const ret = write.length ? oracle.remove(Fork.WRITE, BigInt.asIntN(64, write.offset), write.length) : 0;
      return { err: ret || ret2, why: ' (oracle: cache remove)', touched: nodeid };
    }
    return { err: -22, why: ' (unknown notify code)', touched: null };
  }

  private checkCaches(touched: bigint | null): void {
    for (const [nodeid, oracle] of this.oracles) {
      const inode: FuseInode | undefined = this.conn.ilookup(nodeid);
      const cache: IomapCache | null = inode?.cacheOrNull ?? null;
      if (!cache) continue;
      for (const fork of [Fork.READ, Fork.WRITE]) {
        const tree = cache.forkPtr(fork);
        if (!tree) continue;
        const problems = checkTreeStructure(tree);
        if (problems.length) this.violated('tree-structure', `nodeid ${nodeid} ${fork === Fork.READ ? 'read' : 'write'} fork: ${problems.join('; ')}`);
        const mp = cache.checkMappings(fork);
        if (mp.length) this.violated('check-mappings', `nodeid ${nodeid}: ${mp.map((p) => `#${p.index} ${p.what}`).join('; ')}`);
      }
      if (!this.differential || nodeid !== touched) continue;
      const bad = this.compare(cache, oracle);
      if (bad) {
        // explained by a hazard: a finding; unexplained but out of the oracle's exact domain (2^62 and up): the oracle's limit
        if (this.explanation() || !this.outOfDomain(cache)) this.violated('differential', `nodeid ${nodeid}: ${bad}`);
        this.resync(nodeid, cache);
      }
    }
  }

  private compare(cache: IomapCache, oracle: OracleCache): string | null {
    if (cache.seq !== oracle.seq) return `seq: model ${cache.seq}, oracle ${oracle.seq}`;
    for (const fork of [Fork.READ, Fork.WRITE]) {
      const got: Mapping[] = cache.forkPtr(fork) ? [...cache.forkPtr(fork)!.records()] : [];
      const want = oracle.records(fork) ?? [];
      for (let i = 0; i < Math.max(got.length, want.length); i++)
        if (!got[i] || !want[i] || !sameMap(got[i], want[i])) return `${fork === Fork.READ ? 'read' : 'write'} record #${i}: model ${got[i] ? fmtMap(got[i]) : 'none'}, oracle ${want[i] ? fmtMap(want[i]) : 'none'}`;
    }
    return null;
  }

  private outOfDomain(cache: IomapCache): boolean {
    for (const fork of [Fork.READ, Fork.WRITE]) for (const r of cache.forkPtr(fork)?.records() ?? []) if (r.offset < 0n || r.offset + r.length > 1n << 62n) return true;
    return this.oracles.size > 0 && [...this.oracles.values()].some((o) => [Fork.READ, Fork.WRITE].some((f) => (o.records(f) ?? []).some((r) => r.offset < 0n || r.offset + r.length > 1n << 62n)));
  }

  private resync(nodeid: bigint, cache: IomapCache): void {
    const i = this.ref.inodes.get(nodeid)!;
    const o = new OracleCache({ blockSize: i.blockSize, maxBytes: i.maxBytes });
    for (const fork of [Fork.READ, Fork.WRITE]) for (const r of cache.forkPtr(fork)?.records() ?? []) o.add(fork, { ...r });
    o.seq = cache.seq;
    this.oracles.set(nodeid, o);
  }
}

/** Hazards that cannot break these properties (they change nothing the checks look at). */
const BENIGN = new Set(['inval-ignores-attr-ino', 'notify-uninitialised-cache', 'erase-all-no-seq-bump']);

class Violation extends Error {
  constructor(
    readonly property: PropertyName,
    message: string,
  ) {
    super(message);
  }
}
