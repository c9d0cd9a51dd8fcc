// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel part of the scenario language (docs/kernel-scenarios.md):
 * the conn/device/inode setup section and the commands that drive the
 * iomap consumers, the notifications and the scripted server. Each line is
 * parsed with the names of the scenario's revision; the runner parses it
 * again with another revision's names when `run --revision` differs.
 */
import { type ResolvedRevision } from '../../cache/revision.js';
import { fromHex } from '../../protocol/codec.js';
import { FMODE_READ, FMODE_WRITE } from '../../protocol/constants.js';
import { type ProtocolLayout } from '../../protocol/layout.js';
import type { InvalOut, IomapIo, UpsertOut } from '../../protocol/wire.js';
import { FALLOC_MODE_NAMES, IOEND_FLAG_NAMES, IOMAP_OP_BY_NAME, IOMAP_OP_NAMES } from '../../iomap/constants.js';
import { KernelLine } from './fields.js';

const NULL_ADDR = 0xffff_ffff_ffff_ffffn;
const S64_MAX = 0x7fff_ffff_ffff_ffffn;

export interface ConnSetup {
  line: number;
  iomap: boolean;
  protoMinor?: number;
  connection: number;
  atomicOTrunc: boolean;
  checkAccess: boolean;
  nullRetryLimit: number;
  stackGarbage: bigint;
}
export interface DeviceSetup {
  line: number;
  id: number;
  sizeBytes: bigint;
  fmode: number;
  name?: string;
}
export interface InodeSetup {
  line: number;
  nodeid: bigint;
  attrIno: bigint;
  isize: bigint;
  blockSize?: bigint;
  maxBytes?: bigint;
  fileio: boolean;
  bad: boolean;
  cache: boolean;
}
export interface KernelSetup {
  conn?: ConnSetup;
  devices: DeviceSetup[];
  inodes: InodeSetup[];
}

/** The begin-reply halves a script names; offset/length undefined = the block-rounded request. */
export interface ReplySpec {
  offset?: bigint;
  length?: bigint;
  read: Omit<IomapIo, 'offset' | 'length'> & { offset?: bigint; length?: bigint };
  write: Omit<IomapIo, 'offset' | 'length'> & { offset?: bigint; length?: bigint };
}

export type KernelOp =
  | { kind: 'begin'; pos: bigint; count: bigint; opflags: number; name: string; nodeid?: bigint }
  | { kind: 'revalidate'; name: string }
  | { kind: 'end'; written: bigint; name: string }
  | { kind: 'ioend'; pos: bigint; written: bigint; error: number; flags: number; newAddr: bigint; nodeid?: bigint }
  | { kind: 'writeback'; pos: bigint; len: number; ctx: string; fresh: boolean; nodeid?: bigint }
  | { kind: 'setsize'; size: bigint; nodeid?: bigint }
  | { kind: 'fallocate'; mode: number; offset: bigint; length: bigint; nodeid?: bigint }
  | { kind: 'open-trunc'; nodeid?: bigint }
  | { kind: 'copy-range'; pos: bigint; size: number; nodeid?: bigint }
  | { kind: 'notify-upsert'; out?: UpsertOut; raw?: Uint8Array; nodeidDefault: boolean }
  | { kind: 'notify-inval'; out?: InvalOut; raw?: Uint8Array; nodeidDefault: boolean }
  | { kind: 'server'; action: 'reply'; reply: ReplySpec | Uint8Array; times: number }
  | { kind: 'server'; action: 'error'; errno: number; times: number }
  | { kind: 'server'; action: 'upsert'; out: UpsertOut; nodeidDefault: boolean }
  | { kind: 'server'; action: 'inval'; out: InvalOut; nodeidDefault: boolean }
  | { kind: 'server'; action: 'end' | 'ioend' | 'inline'; errno: number };

export interface KernelCommand {
  op: 'kernel';
  line: number;
  /** the scenario file, for run-time errors */
  file: string;
  /** the words as written, for a re-parse under another revision */
  words: string[];
  k: KernelOp;
}

export const KERNEL_SETUP_WORDS = new Set(['conn', 'device', 'inode']);
export const KERNEL_COMMAND_WORDS = new Set([
  'begin',
  'revalidate',
  'end',
  'ioend',
  'writeback',
  'setsize',
  'fallocate',
  'open-trunc',
  'copy-range',
  'notify-upsert',
  'notify-inval',
  'server',
]);

export const KERNEL_USAGE: Record<string, string> = {
  conn: 'conn [iomap=on|off] [minor=N] [connection=N] [atomic_o_trunc=on|off] [check_access=on|off] [retry_limit=N] [stack=N]',
  device: 'device ID size=BYTES [mode=rw|ro] [name=TEXT]',
  inode: 'inode nodeid=N [ino=N] [isize=N] [blocksize=N] [maxbytes=N] [fileio=on|off] [bad=on|off] [cache=on|off]',
  begin: 'begin POS COUNT OPFLAGS [as=NAME] [nodeid=N]',
  revalidate: 'revalidate [map=NAME]',
  end: 'end WRITTEN [map=NAME]',
  ioend: 'ioend POS WRITTEN [error=ERRNO] [flags=shared|unwritten|boundary|direct|append] [new_addr=N] [nodeid=N]',
  writeback: 'writeback POS LEN [ctx=NAME] [new=on] [nodeid=N]',
  setsize: 'setsize SIZE [nodeid=N]',
  fallocate: 'fallocate MODE OFFSET LENGTH [nodeid=N]',
  'open-trunc': 'open-trunc [nodeid=N]',
  'copy-range': 'copy-range POS_OUT SIZE [nodeid=N]',
  'notify-upsert': 'notify-upsert FIELDS | notify-upsert raw HEX',
  'notify-inval': 'notify-inval FIELDS | notify-inval raw HEX',
  server: 'server reply FIELDS [repeat=N] | server reply raw HEX | server null [offset=N length=N] [repeat=N] | server error ERRNO [repeat=N] | server upsert FIELDS | server inval FIELDS | server end|ioend|inline ERRNO',
};

/** What parsing needs of the revision: its type/flag names and wire layout. */
export interface KernelNames {
  rev: ResolvedRevision;
  protocol: ProtocolLayout;
}

/** A setup line: conn, device, inode. */
export function parseKernelSetup(setup: KernelSetup, file: string, line: number, words: string[]): void {
  const op = words[0];
  const l = new KernelLine(file, line, words, 1);
  const usage = KERNEL_USAGE[op];
  if (op === 'conn') {
    l.arity(0, 0, usage);
    if (setup.conn) l.fail(`conn given twice (first on line ${setup.conn.line})`);
    setup.conn = {
      line,
      iomap: l.bool('iomap', true),
      protoMinor: l.has('minor') ? l.small('minor', 32, 0) : undefined,
      connection: l.small('connection', 32, 1),
      atomicOTrunc: l.bool('atomic_o_trunc', true),
      checkAccess: l.bool('check_access', false),
      nullRetryLimit: l.small('retry_limit', 16, 8),
      stackGarbage: l.num('stack', 0n),
    };
  } else if (op === 'device') {
    l.arity(1, 1, usage);
    const id = Number(l.pos(0, 'ID'));
    const want = setup.devices.length + 1;
    if (id !== want) l.fail(`device ID ${l.positional[0]}: devices get ids 1, 2, ... in order, this one is ${want}`);
    if (!l.has('size')) l.fail(`device needs size=BYTES (usage: ${usage})`);
    const mode = l.str('mode') ?? 'rw';
    if (mode !== 'rw' && mode !== 'ro') l.fail(`mode '${mode}' must be rw or ro`);
    setup.devices.push({ line, id, sizeBytes: l.num('size', 0n), fmode: mode === 'rw' ? FMODE_READ | FMODE_WRITE : FMODE_READ, name: l.str('name') });
  } else {
    l.arity(0, 0, usage);
    if (!l.has('nodeid')) l.fail(`inode needs nodeid=N (usage: ${usage})`);
    const nodeid = l.num('nodeid', 0n);
    const dup = setup.inodes.find((i) => i.nodeid === nodeid);
    if (dup) l.fail(`nodeid ${nodeid} already declared on line ${dup.line}`);
    const bs = l.num('blocksize');
    if (bs !== undefined && (bs === 0n || (bs & (bs - 1n)) !== 0n || bs > 1n << 31n)) l.fail(`blocksize ${bs} must be a power of two no larger than 2^31`);
    const maxBytes = l.num('maxbytes');
    setup.inodes.push({
      line,
      nodeid,
      attrIno: l.num('ino', nodeid),
      isize: BigInt.asIntN(64, l.num('isize', 0n)),
      blockSize: bs,
      maxBytes: maxBytes === undefined ? undefined : BigInt.asIntN(64, maxBytes),
      fileio: l.bool('fileio', true),
      bad: l.bool('bad', false),
      cache: l.bool('cache', true),
    });
  }
  l.done(usage);
}

/** A command line; names resolve with `names`. */
export function parseKernelCommand(file: string, line: number, words: string[], names: KernelNames): KernelCommand {
  const op = words[0];
  const usage = KERNEL_USAGE[op];
  const sub = op === 'server' || ((op === 'notify-upsert' || op === 'notify-inval') && words[1] === 'raw') ? 2 : 1;
  const l = new KernelLine(file, line, words, sub);
  const types = names.rev.typeNames;
  const mapFlags = names.rev.flagNames;
  const nodeid = () => l.num('nodeid');
  let k: KernelOp;
  switch (op) {
    case 'begin': {
      l.arity(3, 3, usage);
      const ops = l.positional[2] === 'read' ? 0 : l.flagsText(l.positional[2], 'OPFLAGS', IOMAP_OP_NAMES, 32, IOMAP_OP_BY_NAME);
      k = { kind: 'begin', pos: BigInt.asIntN(64, l.pos(0, 'POS')), count: BigInt.asIntN(64, l.pos(1, 'COUNT')), opflags: ops, name: l.str('as') ?? 'last', nodeid: nodeid() };
      break;
    }
    case 'revalidate':
      l.arity(0, 0, usage);
      k = { kind: 'revalidate', name: l.str('map') ?? 'last' };
      break;
    case 'end':
      l.arity(1, 1, usage);
      k = { kind: 'end', written: BigInt.asIntN(64, l.pos(0, 'WRITTEN')), name: l.str('map') ?? 'last' };
      break;
    case 'ioend':
      l.arity(2, 2, usage);
      k = {
        kind: 'ioend',
        pos: BigInt.asIntN(64, l.pos(0, 'POS')),
        written: l.pos(1, 'WRITTEN'),
        error: l.errno('error', 0),
        flags: l.has('flags') ? l.flagsText(l.str('flags')!, 'flags', IOEND_FLAG_NAMES, 16) : 0,
        newAddr: l.num('new_addr', NULL_ADDR),
        nodeid: nodeid(),
      };
      break;
    case 'writeback': {
      l.arity(2, 2, usage);
      const len = l.pos(1, 'LEN');
      if (len >= 1n << 32n) l.fail(`LEN ${l.positional[1]} does not fit the unsigned int of map_blocks`);
      k = { kind: 'writeback', pos: BigInt.asIntN(64, l.pos(0, 'POS')), len: Number(len), ctx: l.str('ctx') ?? 'wb', fresh: l.bool('new', false), nodeid: nodeid() };
      break;
    }
    case 'setsize':
      l.arity(1, 1, usage);
      k = { kind: 'setsize', size: BigInt.asIntN(64, l.pos(0, 'SIZE')), nodeid: nodeid() };
      break;
    case 'fallocate': {
      l.arity(3, 3, usage);
      const mode = l.positional[0] === 'alloc' ? 0 : l.flagsText(l.positional[0], 'MODE', FALLOC_MODE_NAMES, 31);
      k = { kind: 'fallocate', mode, offset: BigInt.asIntN(64, l.pos(1, 'OFFSET')), length: BigInt.asIntN(64, l.pos(2, 'LENGTH')), nodeid: nodeid() };
      break;
    }
    case 'open-trunc':
      l.arity(0, 0, usage);
      k = { kind: 'open-trunc', nodeid: nodeid() };
      break;
    case 'copy-range': {
      l.arity(2, 2, usage);
      const size = l.pos(1, 'SIZE');
      if (size >= 1n << 32n) l.fail(`SIZE ${l.positional[1]} does not fit fuse_write_out.size (u32)`);
      k = { kind: 'copy-range', pos: BigInt.asIntN(64, l.pos(0, 'POS_OUT')), size: Number(size), nodeid: nodeid() };
      break;
    }
    case 'notify-upsert':
    case 'notify-inval': {
      const kind = op;
      if (sub === 2) {
        l.arity(1, 1, usage);
        k = { kind, raw: hex(l, l.positional[0]), nodeidDefault: false };
      } else {
        l.arity(0, 0, usage);
        k = kind === 'notify-upsert' ? { kind, out: upsertFields(l, types, mapFlags), nodeidDefault: !l.has('nodeid') } : { kind, out: invalFields(l), nodeidDefault: !l.has('nodeid') };
      }
      break;
    }
    case 'server':
      k = serverLine(l, words[1], names, usage);
      break;
    default:
      return l.fail(`unknown kernel command '${op}'`);
  }
  l.done(usage);
  return { op: 'kernel', line, file, words, k };
}

function hex(l: KernelLine, text: string): Uint8Array {
  const b = fromHex(text);
  if (!b) l.fail(`'${text}' is not hex bytes (an even number of 0-9a-f digits)`);
  return b;
}

function repeat(l: KernelLine): number {
  const n = l.small('repeat', 16, 1);
  if (n === 0) l.fail('repeat=0 queues nothing');
  return n;
}

function serverLine(l: KernelLine, action: string | undefined, names: KernelNames, usage: string): KernelOp {
  const types = names.rev.typeNames;
  const flags = names.rev.flagNames;
  const p = names.protocol;
  switch (action) {
    case 'reply':
    case 'null': {
      if (action === 'reply' && l.positional[0] === 'raw') {
        l.arity(2, 2, usage);
        return { kind: 'server', action: 'reply', reply: hex(l, l.positional[1]), times: repeat(l) };
      }
      l.arity(0, 0, usage);
      const nullType = (p.typeNull ?? p.typeRetryCache)!;
      const half = (h: 'read' | 'write', defType: number) => ({
        offset: l.num(`${h}_offset`),
        length: l.num(`${h}_length`),
        addr: l.num(`${h}_addr`, NULL_ADDR),
        type: action === 'null' ? nullType : l.type(`${h}_type`, types, defType),
        flags: action === 'null' ? 0 : l.flags(`${h}_flags`, flags, 0),
        dev: action === 'null' ? 0 : l.small(`${h}_dev`, 32, 0),
      });
      // libfuse's pre-filled defaults: read HOLE, write PURE_OVERWRITE
      const reply: ReplySpec = { offset: l.num('offset'), length: l.num('length'), read: half('read', p.typeHole), write: half('write', p.typePureOverwrite) };
      return { kind: 'server', action: 'reply', reply, times: repeat(l) };
    }
    case 'error': {
      l.arity(1, 1, usage);
      const errno = l.errnoText(l.positional[0], 'ERRNO');
      if (errno === 0) l.fail('server error 0 is not an error (use server reply)');
      return { kind: 'server', action: 'error', errno, times: repeat(l) };
    }
    case 'upsert':
      l.arity(0, 0, usage);
      return { kind: 'server', action: 'upsert', out: upsertFields(l, types, flags), nodeidDefault: !l.has('nodeid') };
    case 'inval':
      l.arity(0, 0, usage);
      return { kind: 'server', action: 'inval', out: invalFields(l), nodeidDefault: !l.has('nodeid') };
    case 'end':
    case 'ioend':
    case 'inline':
      l.arity(1, 1, usage);
      return { kind: 'server', action, errno: l.errnoText(l.positional[0], 'ERRNO') };
    default:
      return l.fail(`server '${action ?? ''}': expected reply, null, error, upsert, inval, end, ioend or inline (usage: ${usage})`);
  }
}

/**
 * struct fuse_iomap_upsert_out by field name. offset=/length= set both
 * halves; a half with no field of its own is a NULL mapping over the other
 * half's range (fuse2fs's shape, SPEC 8.4), so one half can be named alone.
 */
function upsertFields(l: KernelLine, types: KernelNames['rev']['typeNames'], flags: KernelNames['rev']['flagNames']): UpsertOut {
  const off = l.num('offset');
  const len = l.num('length');
  const nullType = types.find(([, n]) => n === 'null' || n === 'nocache')?.[0] ?? 0xfffe;
  const given = (h: string) => ['offset', 'length', 'addr', 'type', 'flags', 'dev'].some((f) => l.has(`${h}_${f}`));
  const half = (h: 'read' | 'write'): IomapIo => ({
    offset: l.num(`${h}_offset`, off ?? 0n),
    length: l.num(`${h}_length`, len ?? 0n),
    addr: l.num(`${h}_addr`, NULL_ADDR),
    type: l.type(`${h}_type`, types, nullType),
    flags: l.flags(`${h}_flags`, flags, 0),
    dev: l.small(`${h}_dev`, 32, 0),
  });
  const hasRead = given('read');
  const hasWrite = given('write');
  const read = half('read');
  const write = half('write');
  if (!hasRead && hasWrite && off === undefined && len === undefined) Object.assign(read, { offset: write.offset, length: write.length });
  if (!hasWrite && hasRead && off === undefined && len === undefined) Object.assign(write, { offset: read.offset, length: read.length });
  return { nodeid: l.num('nodeid', 0n), attrIno: l.num('attr_ino', 0n), read, write };
}

/** struct fuse_iomap_inval_out by field name; a half left out has length 0 (leave that fork alone). */
function invalFields(l: KernelLine): InvalOut {
  const off = l.num('offset');
  const len = l.num('length');
  return {
    nodeid: l.num('nodeid', 0n),
    attrIno: l.num('attr_ino', 0n),
    read: { offset: l.num('read_offset', off ?? 0n), length: l.num('read_length', len ?? 0n) },
    write: { offset: l.num('write_offset', off ?? 0n), length: l.num('write_length', len ?? 0n) },
  };
}

export const MAX_LOFF = S64_MAX;
