// SPDX-License-Identifier: GPL-2.0-only
/*
 * Result formats of `iomap-sim run`: the fixtures' .out text (byte for
 * byte) and one JSON object per command with 64-bit values as hex strings.
 * The .out lines are built by one set of helpers that take I64 values
 * (src/util/int64.ts), so the bigint results (writeOut) and the I64 ones
 * (writeOutI) print the same text.
 */
import { forkName, type Fork } from '../cache/constants.js';
import type { Mapping, MappingI } from '../iext/record.js';
import { type I64, hex64I } from '../util/int64.js';
import { type CommandResult, type CommandResultI, dumpExtents } from './run.js';

const x = hex64I;
const jx = (v: bigint): string => '0x' + x(v);

const extentLine = (m: MappingI): string => `  ${x(m.offset)}+${x(m.length)} addr ${x(m.addr)} type ${m.type} flags ${m.flags.toString(16)} dev ${m.dev}\n`;
const retLine = (op: string, ret: number, seq: I64): string => `${op} ${ret} seq ${seq}\n`;
const hitLine = (m: MappingI, cookie: I64): string =>
  `hit ${x(m.offset)}+${x(m.length)} addr ${x(m.addr)} type ${m.type} flags ${m.flags.toString(16)} dev ${m.dev} cookie ${cookie}\n`;
const dumpLine = (fork: Fork, count: number, height: number, seq: I64): string => `fork ${forkName(fork)} count ${count} height ${height} seq ${seq}\n`;

/**
 * Writes the .out lines of one command (a dump gives several), each ending
 * in \n; a dump goes out line by line, never as one string.
 */
export function writeOut(r: CommandResult, write: (s: string) => void): void {
  switch (r.op) {
    case 'kernel':
      return write(r.text + '\n');
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      return write(retLine(r.op, r.ret, r.seq));
    case 'lookup':
      if (r.result !== 'hit') return write(`${r.result}\n`);
      return write(hitLine(r.map, r.map.validityCookie));
    case 'dump':
      if (r.nofork) return write('nofork\n');
      write(dumpLine(r.fork, r.count, r.height, r.seq));
      r.forEachExtent((m) => write(extentLine(m)));
  }
}

/** writeOut of an I64 result (runScenario's onResultI): the same text, no bigints in the common case. */
export function writeOutI(r: CommandResultI, write: (s: string) => void): void {
  switch (r.op) {
    case 'kernel':
      return write(r.kernel!.text + '\n');
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      return write(retLine(r.op, r.ret, r.seq));
    case 'lookup':
      if (r.result !== 'hit') return write(`${r.result}\n`);
      return write(hitLine(r.map, r.map.validityCookie));
    case 'dump': {
      const t = r.tree;
      if (!t) return write('nofork\n');
      write(dumpLine(r.fork, t.count(), t.height, r.seq));
      t.forEachRecordI((m) => write(extentLine(m)));
    }
  }
}

/** The .out lines of one command as one string. */
export function formatOut(r: CommandResult): string {
  let s = '';
  writeOut(r, (t) => (s += t));
  return s;
}

const jsonMap = (m: Mapping) => ({ offset: jx(m.offset), length: jx(m.length), addr: jx(m.addr), type: m.type, flags: m.flags, dev: m.dev });

/** Writes one JSON object (one line) per command. */
export function writeJson(r: CommandResult, write: (s: string) => void): void {
  write(formatJson(r));
}

/** One JSON object (one line) per command. */
export function formatJson(r: CommandResult): string {
  let o: Record<string, unknown>;
  switch (r.op) {
    case 'kernel':
      o = r.json;
      break;
    case 'add':
    case 'upsert':
    case 'remove':
    case 'invalidate':
      o = { line: r.line, cmd: r.op, ret: r.ret, seq: jx(r.seq) };
      break;
    case 'lookup':
      o = { line: r.line, cmd: 'lookup', fork: forkName(r.fork), result: r.result };
      if (r.result === 'hit') o.map = { ...jsonMap(r.map), cookie: jx(r.map.validityCookie) };
      break;
    case 'dump':
      o = { line: r.line, cmd: 'dump', fork: forkName(r.fork) };
      if (r.nofork) o.result = 'nofork';
      else Object.assign(o, { count: r.count, height: r.height, seq: jx(r.seq), extents: dumpExtents(r).map(jsonMap) });
      break;
  }
  return JSON.stringify(o) + '\n';
}
