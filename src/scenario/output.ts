// SPDX-License-Identifier: GPL-2.0-only
/*
 * Result formats of `iomap-sim run`: the fixtures' .out text (byte for
 * byte) and one JSON object per command with 64-bit values as hex strings.
 */
import { forkName } from '../cache/constants.js';
import type { Mapping } from '../iext/record.js';
import { type CommandResult, dumpExtents } from './run.js';

const x = (v: bigint): string => BigInt.asUintN(64, v).toString(16);
const jx = (v: bigint): string => '0x' + x(v);

const extentLine = (m: Mapping): string => `  ${x(m.offset)}+${x(m.length)} addr ${x(m.addr)} type ${m.type} flags ${m.flags.toString(16)} dev ${m.dev}`;

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
      return write(`${r.op} ${r.ret} seq ${r.seq}\n`);
    case 'lookup':
      if (r.result !== 'hit') return write(`${r.result}\n`);
      return write(`hit ${x(r.map.offset)}+${x(r.map.length)} addr ${x(r.map.addr)} type ${r.map.type} flags ${r.map.flags.toString(16)} dev ${r.map.dev} cookie ${r.map.validityCookie}\n`);
    case 'dump':
      if (r.nofork) return write('nofork\n');
      write(`fork ${forkName(r.fork)} count ${r.count} height ${r.height} seq ${r.seq}\n`);
      r.forEachExtent((m) => write(extentLine(m) + '\n'));
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
