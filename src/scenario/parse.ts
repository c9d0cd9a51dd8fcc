// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario language of ../shared/fixtures/README.md: one command a line,
 * '#' starts a comment. The whole text is parsed before anything runs, so a
 * bad line stops the run with nothing applied.
 */
import { IOMAP_FLAG_NAMES, IOMAP_TYPE_NAMES, Fork } from '../cache/constants.js';
import type { Mapping } from '../iext/record.js';
import { geometryByName, type Geometry } from '../iext/geometry.js';
import { parseU64, s64 } from '../util/int64.js';

export type Command =
  | { op: 'add' | 'upsert'; line: number; fork: Fork; map: Mapping }
  | { op: 'remove'; line: number; fork: Fork; offset: bigint; length: bigint }
  | { op: 'lookup'; line: number; fork: Fork; pos: bigint; count: bigint }
  | { op: 'invalidate'; line: number; offset: bigint; length: bigint }
  | { op: 'dump'; line: number; fork: Fork };

export interface Scenario {
  geometry: Geometry;
  /** i_blocksize */
  blockSize: bigint;
  /** s_maxbytes (loff_t) */
  maxBytes: bigint;
  commands: Command[];
}

export const DEFAULT_BLOCKSIZE = 4096n;
export const DEFAULT_MAXBYTES = 0x7fff_ffff_ffff_ffffn;

export class ScenarioError extends Error {
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ScenarioError';
  }
}

const TYPE_BY_NAME = new Map(IOMAP_TYPE_NAMES.map(([v, n]) => [n, v]));
const FLAG_BY_NAME = new Map(IOMAP_FLAG_NAMES.map(([v, n]) => [n, v]));
const TYPE_LIST = IOMAP_TYPE_NAMES.map(([, n]) => n).join(', ');
const FLAG_LIST = IOMAP_FLAG_NAMES.map(([, n]) => n).join(', ');

const ARITY: Record<string, number> = {
  geometry: 1,
  blocksize: 1,
  maxbytes: 1,
  add: 7,
  upsert: 7,
  remove: 3,
  lookup: 3,
  invalidate: 2,
  dump: 1,
};
const USAGE: Record<string, string> = {
  geometry: 'geometry fuse|xfs',
  blocksize: 'blocksize N',
  maxbytes: 'maxbytes N',
  add: 'add read|write OFFSET LENGTH ADDR TYPE FLAGS DEV',
  upsert: 'upsert read|write OFFSET LENGTH ADDR TYPE FLAGS DEV',
  remove: 'remove read|write OFFSET LENGTH',
  lookup: 'lookup read|write POS COUNT',
  invalidate: 'invalidate OFFSET LENGTH',
  dump: 'dump read|write',
};

/** Parse scenario text; throws ScenarioError naming FILE:LINE on the first bad line. */
export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const sc: Scenario = { geometry: geometryByName('fuse')!, blockSize: DEFAULT_BLOCKSIZE, maxBytes: DEFAULT_MAXBYTES, commands: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i];
    const hash = raw.indexOf('#');
    if (hash >= 0) raw = raw.slice(0, hash);
    const words = raw.trim().split(/\s+/);
    if (words[0] === '') continue;
    const fail = (why: string): never => {
      throw new ScenarioError(file, lineNo, why);
    };
    const op = words[0];
    const arity = ARITY[op];
    if (arity === undefined) fail(`unknown command '${op}' (expected one of ${Object.keys(ARITY).join(', ')})`);
    if (words.length - 1 !== arity) fail(`'${op}' takes ${arity} argument${arity === 1 ? '' : 's'}, got ${words.length - 1} (usage: ${USAGE[op]})`);

    const num = (idx: number, field: string): bigint => {
      const v = parseU64(words[idx]);
      if (v === undefined) fail(`${field} '${words[idx]}' is not an unsigned 64-bit number (decimal or 0x-hex)`);
      return v!;
    };
    const small = (idx: number, field: string, bits: number): number => {
      const v = num(idx, field);
      if (v >= 1n << BigInt(bits)) fail(`${field} ${words[idx]} does not fit in ${bits} bits`);
      return Number(v);
    };
    const fork = (idx: number): Fork => {
      if (words[idx] === 'read') return Fork.READ;
      if (words[idx] === 'write') return Fork.WRITE;
      return fail(`fork '${words[idx]}' must be read or write`);
    };
    const type = (idx: number): number => {
      const byName = TYPE_BY_NAME.get(words[idx]);
      if (byName !== undefined) return byName;
      if (!/^(0[xX])?[0-9a-fA-F]+$/.test(words[idx])) fail(`TYPE '${words[idx]}' is neither a number nor one of ${TYPE_LIST}`);
      return small(idx, 'TYPE', 16);
    };
    const flags = (idx: number): number => {
      const w = words[idx];
      if (/^[0-9]/.test(w)) return small(idx, 'FLAGS', 16);
      let f = 0;
      for (const name of w.split('|')) {
        const bit = FLAG_BY_NAME.get(name);
        if (bit === undefined) fail(`FLAGS: unknown flag '${name}' (known: ${FLAG_LIST})`);
        f |= bit!;
      }
      return f;
    };

    const before = () => {
      if (sc.commands.length) fail(`'${op}' must come before the first cache command`);
    };
    switch (op) {
      case 'geometry': {
        before();
        const g = geometryByName(words[1]);
        if (!g) fail(`geometry '${words[1]}' must be fuse or xfs`);
        sc.geometry = g!;
        break;
      }
      case 'blocksize': {
        before();
        const bs = num(1, 'blocksize');
        if (bs === 0n || (bs & (bs - 1n)) !== 0n || bs > 1n << 31n) fail(`blocksize ${words[1]} must be a power of two no larger than 2^31`);
        sc.blockSize = bs;
        break;
      }
      case 'maxbytes':
        before();
        sc.maxBytes = s64(num(1, 'maxbytes'));
        break;
      case 'add':
      case 'upsert':
        sc.commands.push({
          op,
          line: lineNo,
          fork: fork(1),
          map: {
            offset: s64(num(2, 'OFFSET')),
            length: num(3, 'LENGTH'),
            addr: num(4, 'ADDR'),
            type: type(5),
            flags: flags(6),
            dev: small(7, 'DEV', 32),
          },
        });
        break;
      case 'remove':
        sc.commands.push({ op, line: lineNo, fork: fork(1), offset: s64(num(2, 'OFFSET')), length: num(3, 'LENGTH') });
        break;
      case 'lookup':
        sc.commands.push({ op, line: lineNo, fork: fork(1), pos: s64(num(2, 'POS')), count: num(3, 'COUNT') });
        break;
      case 'invalidate':
        sc.commands.push({ op, line: lineNo, offset: s64(num(1, 'OFFSET')), length: num(2, 'LENGTH') });
        break;
      case 'dump':
        sc.commands.push({ op, line: lineNo, fork: fork(1) });
        break;
    }
  }
  return sc;
}
