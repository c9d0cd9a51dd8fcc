// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output of kernel-scenario commands: one .out line per command (words
 * `key value`) and the same facts as one JSON object, 64-bit values as hex
 * strings.
 */
import { printFlags, printSymbolic } from '../../trace/print-flags.js';
import type { FuseInode } from '../../protocol/inode.js';
import type { Iomap } from '../../iomap/iomap.js';
import type { KernelWorld } from './world.js';

export interface KernelResult {
  op: 'kernel';
  line: number;
  /** the .out line without its newline */
  text: string;
  json: Record<string, unknown>;
}

const hx = (v: bigint): string => BigInt.asUintN(64, v).toString(16);
const jsonValue = (v: unknown): unknown => (typeof v === 'bigint' ? '0x' + hx(v) : Array.isArray(v) ? v.map(jsonValue) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)])) : v);

export class Out {
  private readonly words: string[];
  private readonly json: Record<string, unknown>;

  constructor(
    readonly line: number,
    readonly cmd: string,
    private readonly w: KernelWorld,
  ) {
    this.words = [cmd];
    this.json = { line, cmd };
  }

  add(key: string, text: string, json: unknown): void {
    this.words.push(key, text);
    this.json[key] = jsonValue(json);
  }

  ret(err: number): void {
    this.words.push(String(err));
    this.json.ret = err;
  }

  skip(fi: FuseInode, why: string): void {
    this.words.push('skipped');
    this.json.skipped = why;
    this.seq(fi);
  }

  /** `NAME OFF+LEN addr A type T flags F dev D cookie C` ('-' cookie: no folio_ops) */
  map(name: string, m: Iomap, fi: FuseInode): void {
    if (m.length === 0n && m.addr === 0n && m.type === 0 && !m.folioOps) {
      // still iomap_iter's zeroed struct: nothing was put there
      this.words.push(name, '-');
      this.json[name] = null;
      return;
    }
    const rev = fi.cacheOrNull?.rev;
    const type = printSymbolic(m.type, rev?.typeNames ?? []);
    const flags = printFlags(m.flags, rev?.flagNames ?? []) || '0';
    this.words.push(name, `${hx(m.offset)}+${hx(m.length)}`, 'addr', hx(m.addr), 'type', type, 'flags', flags, 'dev', String(m.bdev), 'cookie', m.folioOps ? String(m.validityCookie) : '-');
    this.json[name] = jsonValue({ offset: m.offset, length: m.length, addr: m.addr, type: m.type, flags: m.flags, dev: m.bdev, cookie: m.folioOps ? m.validityCookie : null, inline: m.inlineData });
  }

  invalidated(r: { offset: bigint; length: bigint } | undefined): void {
    if (!r) return;
    const len = r.length === 0xffff_ffff_ffff_ffffn ? 'eof' : '0x' + hx(r.length);
    this.add('invalidate', `0x${hx(r.offset)}+${len}`, r);
  }

  isize(fi: FuseInode): void {
    this.add('isize', '0x' + hx(fi.isize), fi.isize);
  }

  seq(fi: FuseInode): void {
    const seq = fi.cacheOrNull?.seq ?? 0n;
    this.add('seq', String(seq), seq);
  }

  finish(): KernelResult {
    const ev = this.w.events;
    if (this.w.hazards.length) this.add('hazards', [...new Set(this.w.hazards)].join(','), this.w.hazards);
    this.words.push('events', ev.length ? ev.join(',') : '-');
    this.json.events = [...ev];
    return { op: 'kernel', line: this.line, text: this.words.join(' '), json: this.json };
  }
}
