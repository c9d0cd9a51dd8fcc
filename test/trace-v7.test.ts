// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace layer in v7's texts: the schemas (fs/fuse/fuse_trace.h of the
 * v7 posting), the printer, `iomap-sim run --revision v7 --trace` (with the
 * v7-only fuse_iomap_cache_alloc, _cleanup and _free) replayed by
 * `iomap-sim trace replay --revision v7` with 0 divergences, corrupted
 * copies caught at the right line, and the choice of texts from a live
 * kernel's events/fuse/ * /format files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CacheEvent, RevisionEvent } from '../src/cache/events.js';
import { RFC_V3 } from '../src/cache/revision.js';
import { V7, V7_TREE } from '../src/cache/revision-v7.js';
import { formatFuseEventAs, formatRevisionEvent } from '../src/trace/fuse-format.js';
import { parseLine } from '../src/trace/parse/line.js';
import { replayStream } from '../src/trace/replay/run.js';
import { fuseTraceFormatFromFormatFiles, fuseTraceFormatOfKernel, traceFormatOf } from '../src/trace/revision.js';
import { decodeBody } from '../src/trace/schema/compile.js';
import { FUSE_V7_SCHEMAS } from '../src/trace/schema/registry.js';
import { CLI, ROOT } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-trace-v7-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const SCENARIO = join(ROOT, 'test', 'scenarios', 'v7', 'trace-life.scenario');

describe('v7 schemas', () => {
  // The texts as the C macros concatenate them (FUSE_IOMAP_MAP_FMT glues its
  // prefix to "offset"; fuse_iext_class has two spaces after the cursor).
  const expected: Record<string, string> = {
    fuse_iext_insert:
      'connection %u ino %llu nodeid %llu isize 0x%llx state (%s) cur %p/%d  offset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s) caller %pS',
    fuse_iext_add_mapping: 'connection %u ino %llu nodeid %llu isize 0x%llx state (%s) offset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s)',
    fuse_iext_del_mapping_got: 'connection %u ino %llu nodeid %llu isize 0x%llx offset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s)',
    fuse_iomap_cache_remove: 'connection %u ino %llu nodeid %llu isize 0x%llx pos 0x%llx length 0x%llx iodir %s caller %pS',
    fuse_iomap_cache_add: 'connection %u ino %llu nodeid %llu isize 0x%llx iodir %s offset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s) caller %pS',
    fuse_iomap_cache_lookup_result:
      'connection %u ino %llu nodeid %llu isize 0x%llx pos 0x%llx length 0x%llx iodir %s mapoffset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s) gotoffset 0x%llx length 0x%llx type %s dev %u addr 0x%llx mapflags (%s) cookie 0x%llx',
    fuse_iomap_cache_invalidate_range: 'connection %u ino %llu nodeid %llu isize 0x%llx pos 0x%llx length 0x%llx',
    fuse_iomap_cache_cleanup: 'connection %u ino %llu nodeid %llu isize 0x%llx pos 0x%llx length 0x%llx iodir %s bytes 0x%llx',
    fuse_iomap_cache_alloc: 'connection %u ino %llu nodeid %llu isize 0x%llx state (%s)',
  };
  for (const [name, format] of Object.entries(expected)) it(`${name}: the v7 text`, () => expect(FUSE_V7_SCHEMAS.get(name)?.format).toBe(format));

  it('has no lock events (v7 dropped them)', () => {
    expect(FUSE_V7_SCHEMAS.has('fuse_iomap_cache_lock')).toBe(false);
  });

  it('the model prints every event in v7 text that parses back to its values, with the v7 tables', () => {
    const inode = { connection: 9, ino: 0xffff_ffff_ffff_ffffn, nodeid: 3n };
    // v7 values: overwrite 255, boundary 0x10, stale 0x200, write state bit printed "write"
    const map = { offset: -0x1000n, length: 0x2000n, addr: 0xffff_ffff_ffff_ffffn, type: 255, flags: 0x210, dev: 7 };
    const evs: CacheEvent[] = [
      { name: 'fuse_iomap_cache_add', inode, isize: -1n, fork: 1, map },
      { name: 'fuse_iext_insert', inode, isize: 0n, state: 0x50, leafAddr: 3, leafId: 3, pos: 6, rec: map },
      { name: 'fuse_iomap_cache_lookup_result', inode, isize: 5n, fork: 0, pos: 1n, count: 2n, got: map, map: { ...map, type: 254 }, cookie: 0xffn },
      { name: 'fuse_iomap_cache_invalidate_range', inode, isize: 0n, offset: 0n, length: 0xffff_ffff_ffff_ffffn },
      { name: 'fuse_iext_del_mapping', inode, isize: 0n, state: 0x40, map: { ...map, type: 253 } },
    ];
    for (const ev of evs) {
      const text = formatFuseEventAs(ev, 'v7')!;
      const f = decodeBody(FUSE_V7_SCHEMAS.get(ev.name)!, text);
      expect(typeof f, `${ev.name}: ${text}`).toBe('object');
      if (typeof f === 'string') continue;
      expect(f.connection).toBe(9n);
      if ('map' in ev && ev.name === 'fuse_iomap_cache_add') expect([f.iodir, f.mapoffset, f.maptype, f.mapflags, f.mapaddr]).toEqual([1n, 0xffff_ffff_ffff_f000n, 255n, 0x210n, map.addr]);
      if (ev.name === 'fuse_iext_insert') expect([f.iext_state, f.pos, f.mapdev]).toEqual([0x50n, 6n, 7n]);
      if (ev.name === 'fuse_iomap_cache_lookup_result') expect([f.maptype, f.gottype, f.validity_cookie]).toEqual([254n, 255n, 0xffn]);
      if (ev.name === 'fuse_iext_del_mapping') expect(f.maptype).toBe(253n);
    }
    expect(formatFuseEventAs(evs[1], 'v7')).toContain('state (l_valid|write) cur ');
    expect(formatFuseEventAs(evs[0], 'v7')).toContain('type overwrite dev 7 addr 0xffffffffffffffff mapflags (boundary|stale)');
    expect(formatFuseEventAs({ name: 'fuse_iomap_cache_lock', inode, isize: 0n, lockFlags: 1 }, 'v7')).toBeNull();
  });

  it('revision-only events: v7 prints alloc/free/cleanup, rfc-v3 only enable', () => {
    const base = { inode: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n };
    const cleanup: RevisionEvent = { ...base, name: 'fuse_iomap_cache_cleanup', fork: 0, bytes: 0x120n };
    const alloc: RevisionEvent = { ...base, name: 'fuse_iomap_cache_alloc' };
    expect(formatRevisionEvent(cleanup, 'v7')).toBe('connection 1 ino 12 nodeid 7 isize 0x0 pos 0x0 length 0x0 iodir read bytes 0x120');
    expect(formatRevisionEvent(alloc, 'v7')).toBe('connection 1 ino 12 nodeid 7 isize 0x0 state (iomap)');
    expect(formatRevisionEvent(cleanup, 'rfc-v3')).toBeNull();
    expect(formatRevisionEvent({ ...base, name: 'fuse_iomap_cache_enable' }, 'rfc-v3')).toBe('connection 1 ino 12 nodeid 7 isize 0x0 state (iomap_cache)');
    expect(formatRevisionEvent({ ...base, name: 'fuse_iomap_cache_enable' }, 'v7')).toBeNull();
  });

  it('a line is read with the texts of the revision asked for', () => {
    const line = 'fuse2fs-1 [000] ..... 1.000001: fuse_iomap_cache_remove: connection 1 ino 12 nodeid 7 isize 0x0 pos 0x1000 length 0x2000 iodir write caller x+0x1/0x2';
    const v7 = parseLine(line, 3, 'v7');
    expect(v7.kind === 'event' && [v7.event.fields.offset, v7.event.fields.length, v7.event.fields.iodir]).toEqual([0x1000n, 0x2000n, 1n]);
    const v3 = parseLine(line, 3);
    expect(v3.kind === 'error' && v3.why).toMatch(/^fuse_iomap_cache_remove: body does not match the format '.*whichfork/);
  });

  it('revisions map to texts: rfc-v3 -> rfc-v3, v7 and v7-tree -> v7', () => {
    expect([traceFormatOf(RFC_V3), traceFormatOf(V7), traceFormatOf(V7_TREE)]).toEqual(['rfc-v3', 'v7', 'v7']);
  });
});

describe('run --revision v7 --trace, replayed with --revision v7', () => {
  const trace = join(work, 'life.trace');
  const run = cli(['run', SCENARIO, '--trace', trace]);
  const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  const replay = (text: string[], extra: object = {}) =>
    replayStream(Readable.from([Buffer.from(text.join('\n') + '\n')]), 'life.trace', { dialect: 'fuse', revision: V7, ...extra });
  const lineOf = (pred: (l: string) => boolean): number => lines.findIndex(pred);

  it('prints v7 texts, the v7-only events included, and no lock events', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(lines[0]).toMatch(/: fuse_iomap_cache_alloc: connection 1 ino 12 nodeid 7 isize 0x0 state \(iomap\)$/);
    expect(lines.at(-1)).toMatch(/: fuse_iomap_cache_free: connection 1 ino 12 nodeid 7 isize 0x0 state \(iomap\)$/);
    expect(lines.filter((l) => l.includes(': fuse_iomap_cache_cleanup: '))).toEqual([expect.stringMatching(/iodir read bytes 0x120$/)]);
    expect(lines.some((l) => l.includes('whichfork') || l.includes('_lock:'))).toBe(false);
    // the skipped pure overwrite (line 12) left no trace at all: the first
    // write-fork event is the invalidation's remove (line 24) on the unused fork
    const firstWrite = lineOf((l) => l.includes('iodir write'));
    expect(lines[firstWrite]).toMatch(/fuse_iomap_cache_remove: .* pos 0x12000 length 0x1000 iodir write/);
    expect(lines.slice(firstWrite - 5, firstWrite).join('\n')).toMatch(/fuse_iomap_cache_invalidate_range: .* pos 0x12000 length 0x1000\n.*fuse_iomap_cache_remove: .* pos 0x12000 length 0x1000 iodir read/);
    expect(cli(['run', SCENARIO, '--trace', join(work, 'x'), '--lock-events']).stderr).toMatch(/--lock-events: revision v7 has no lock tracepoints/);
  });

  it('replays with 0 divergences, every event checked, one life seen whole', async () => {
    const r = await replay(lines);
    expect(r.first, r.first ? `${r.first.line}: ${r.first.what}` : '').toBeNull();
    expect([r.events, r.checked, r.divergences, r.inodesChecked, r.unknownStart.length]).toEqual([lines.length, lines.length, 0, 1, 0]);
    expect(r.seqChecks).toBe(3);
    // the CLI: exit 0, the summary line
    const c = cli(['trace', 'replay', trace, '--revision', 'v7']);
    expect(c.status).toBe(0);
    expect(c.stdout).toMatch(new RegExp(`${lines.length} events seen, ${lines.length} checked, .* 0 divergences`));
    // under the server's actual cap the cleanup checks out too; under a larger one it cannot have happened
    expect((await replay(lines, { cacheMaxBytes: 256 })).divergences).toBe(0);
    const big = await replay(lines, { cacheMaxBytes: 4096 });
    expect(big.first?.line).toBe(lineOf((l) => l.includes('cache_cleanup')) + 1);
    expect(big.first?.what).toMatch(/fuse_iomap_cache_cleanup of 288 bytes, not over cache_maxbytes 4096/);
  });

  it('a changed cookie is caught at its lookup_result line', async () => {
    const i = lineOf((l) => l.includes('cache_lookup_result') && l.includes('cookie 0x'));
    const bad = [...lines];
    bad[i] = bad[i].replace(/cookie 0x([0-9a-f]+)$/, (_s, h: string) => `cookie 0x${(BigInt('0x' + h) + 1n).toString(16)}`);
    const r = await replay(bad);
    expect(r.first?.line).toBe(i + 1);
    expect(r.first?.what).toMatch(/^field validity_cookie: trace 0x\w+, model 0x\w+$/);
  });

  it('a changed byte count in the cleanup is caught there', async () => {
    const i = lineOf((l) => l.includes('cache_cleanup'));
    const bad = [...lines];
    bad[i] = bad[i].replace('bytes 0x120', 'bytes 0x100');
    const r = await replay(bad);
    expect(r.first?.line).toBe(i + 1);
    expect(r.first?.what).toBe('field bytes: trace 0x100, model 0x120');
  });

  it('a dropped cleanup is caught where the add finds the fork still full', async () => {
    const i = lineOf((l) => l.includes('cache_cleanup'));
    const bad = lines.filter((_l, k) => k !== i);
    // bad[i] is the upsert's fuse_iomap_cache_add (re-executed), bad[i + 1]
    // its fuse_iext_add_mapping: the kernel's fork was empty (state ()), the
    // model's still holds 9 records (a left neighbour: l_valid)
    expect(bad[i]).toContain('fuse_iomap_cache_add:');
    const r = await replay(bad);
    expect(r.first?.line).toBe(i + 2);
    expect(r.first?.what).toMatch(/^field iext_state: trace 0x0, model 0x10$/);
  });

  it('a dropped alloc makes the history an unknown start, never an agreement', async () => {
    const r = await replay(lines.slice(1));
    expect(r.unknownStart).toEqual(['connection 1 ino 12']);
    expect(r.checked).toBe(0);
  });

  it('the same trace read as rfc-v3 is unreadable, with a hint to pass --revision', () => {
    const c = cli(['trace', 'replay', trace]);
    expect(c.stderr).toMatch(/life\.trace:2: fuse_iomap_cache_remove: body does not match the format/);
    expect(c.stderr).toMatch(/hint: fuse lines that are not rfc-v3's texts: a trace of another kernel revision needs --revision \(v7, v7-tree\)/);
  });
});

/**
 * An events/fuse/NAME/format file as the kernel writes it for a
 * TP_STRUCT__entry: the common fields, then each field at its natural
 * alignment, then the print fmt line.
 */
function formatFile(name: string, fields: Array<[type: string, field: string, size: number, signed: 0 | 1]>, printFmt: string): string {
  const out = [
    `name: ${name}`,
    'ID: 1234',
    'format:',
    '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
    '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
    '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
    '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
    '',
  ];
  let off = 8;
  for (const [type, field, size, signed] of fields) {
    off = Math.ceil(off / size) * size;
    out.push(`\tfield:${type} ${field};\toffset:${off};\tsize:${size};\tsigned:${signed};`);
    off += size;
  }
  out.push('', `print fmt: "${printFmt}"`);
  return out.join('\n') + '\n';
}

const INODE: Array<[string, string, number, 0 | 1]> = [
  ['dev_t', 'connection', 4, 0],
  ['uint64_t', 'ino', 8, 0],
  ['uint64_t', 'nodeid', 8, 0],
  ['loff_t', 'isize', 8, 1],
];
// seed 001 TRACE_EVENT(fuse_iomap_cache_remove)
const V3_REMOVE = formatFile(
  'fuse_iomap_cache_remove',
  [...INODE, ['enum fuse_iomap_fork', 'whichfork', 4, 0], ['loff_t', 'offset', 8, 1], ['uint64_t', 'length', 8, 0], ['unsigned long', 'caller_ip', 8, 0]],
  'connection %u ino %llu nodeid %llu isize 0x%llx whichfork %s offset 0x%llx length 0x%llx caller %pS',
);
// v7 TRACE_EVENT(fuse_iomap_cache_remove): FUSE_IO_RANGE_FIELDS(), FUSE_IOMAP_IODIR_FIELD, caller_ip
const V7_REMOVE = formatFile(
  'fuse_iomap_cache_remove',
  [...INODE, ['loff_t', 'offset', 8, 1], ['loff_t', 'length', 8, 1], ['unsigned int', 'iodir', 4, 0], ['unsigned long', 'caller_ip', 8, 0]],
  'connection %u ino %llu nodeid %llu isize 0x%llx pos 0x%llx length 0x%llx iodir %s caller %pS',
);
// v7 fuse_inode_state_class
const V7_ALLOC = formatFile('fuse_iomap_cache_alloc', [...INODE, ['unsigned long', 'state', 8, 0]], 'connection %u ino %llu nodeid %llu isize 0x%llx state (%s)');
// seed 001 fuse_iomap_lock_class
const V3_LOCK = formatFile('fuse_iomap_cache_lock', [...INODE, ['unsigned int', 'lock_flags', 4, 0], ['unsigned long', 'caller_ip', 8, 0]], 'connection %u ino %llu nodeid %llu isize 0x%llx lock (%s) caller %pS');
const OTHER = formatFile('fuse_iomap_begin', [...INODE, ['unsigned', 'opflags', 4, 0]], 'connection %u ...');

describe('the texts of a live kernel, from its format files', () => {
  it('decides v7 from an iodir field or a v7-only event, rfc-v3 from whichfork or a lock event', () => {
    expect(fuseTraceFormatFromFormatFiles([V3_REMOVE])).toEqual({ format: 'rfc-v3', why: 'fuse_iomap_cache_remove has a whichfork field' });
    expect(fuseTraceFormatFromFormatFiles([OTHER, V7_REMOVE])).toEqual({ format: 'v7', why: 'fuse_iomap_cache_remove has an iodir field' });
    expect(fuseTraceFormatFromFormatFiles([V7_ALLOC])?.format).toBe('v7');
    expect(fuseTraceFormatFromFormatFiles([V3_LOCK, V3_REMOVE])?.format).toBe('rfc-v3');
  });

  it('says nothing without a cache event, and refuses a mixture', () => {
    expect(fuseTraceFormatFromFormatFiles([OTHER, 'garbage'])).toBeNull();
    expect(() => fuseTraceFormatFromFormatFiles([V3_REMOVE, V7_ALLOC])).toThrow(/format files of both revisions/);
  });

  it('reads events/fuse/*/format under a tracefs events directory', () => {
    const events = join(work, 'events');
    for (const [name, text] of [['fuse_iomap_cache_remove', V7_REMOVE], ['fuse_iomap_cache_alloc', V7_ALLOC], ['fuse_iomap_begin', OTHER]]) {
      mkdirSync(join(events, 'fuse', name), { recursive: true });
      writeFileSync(join(events, 'fuse', name, 'format'), text);
    }
    expect(fuseTraceFormatOfKernel(events)?.format).toBe('v7');
    expect(fuseTraceFormatOfKernel(join(work, 'nowhere'))).toBeNull();
  });
});
