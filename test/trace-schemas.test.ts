// SPDX-License-Identifier: GPL-2.0-only
/*
 * The schemas against their sources: every fuse_iomap_* / fuse_iext_* event
 * of ../shared/spec/TRACE_FORMATS.md has a schema with the exact TP_printk
 * text and argument list; every table renders and un-renders the same; the
 * model's own fuse text parses back to the values it printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CacheEvent } from '../src/cache/events.js';
import { formatFuseEvent } from '../src/trace/fuse-format.js';
import { printFlags, printSymbolic } from '../src/trace/print-flags.js';
import { decodeBody, unprintFlags, unprintSymbolic } from '../src/trace/schema/compile.js';
import { FUSE_SCHEMAS, XFS_SCHEMAS } from '../src/trace/schema/registry.js';
import { TABLES } from '../src/trace/schema/tables.js';
import { SHARED } from './paths.js';

const md = readFileSync(join(SHARED, 'spec', 'TRACE_FORMATS.md'), 'utf8');
const sections = md
  .split(/^### `/m)
  .slice(1)
  .map((s) => ({
    name: s.slice(0, s.indexOf('`')),
    format: /TP_printk format \(exact\):\n\n```\n(.*)\n```/.exec(s)?.[1],
    args: [...s.matchAll(/^ {2}\d+\. `(%\w+)` <- `(.*)`$/gm)].map((m) => m[2]),
  }));

describe('fuse dialect schemas', () => {
  it('covers every event of TRACE_FORMATS.md (72) and nothing else', () => {
    expect(sections.length).toBe(72);
    expect([...FUSE_SCHEMAS.keys()].sort()).toEqual(sections.map((s) => s.name).sort());
  });

  for (const s of sections) {
    it(`${s.name}: same format and arguments as the spec`, () => {
      const schema = FUSE_SCHEMAS.get(s.name)!;
      expect(schema.format).toBe(s.format);
      expect(schema.fields.length).toBe(s.args.length);
      schema.fields.forEach((f, i) => expect(s.args[i], `argument ${i + 1}`).toContain(`__entry->${f.field}`));
      const tables = s.args.map((a) => /STRINGS|FLAGS/.exec(a) && /, (\w+)\)$/.exec(a)?.[1]);
      schema.fields.forEach((f, i) => {
        if (tables[i]) expect('tableName' in f.decode && f.decode.tableName).toBe(tables[i]);
      });
    });
  }

  it('parses the text the model prints back into the printed values', () => {
    const map = { offset: -0x1000n, length: 0xffff_ffff_ffff_f000n, addr: 0xffff_ffff_ffff_ffffn, type: 0xfffe, flags: 0x8105, dev: 7 };
    const inode = { connection: 0x1234, ino: 0xffff_ffff_ffff_ffffn, nodeid: 1n };
    const evs: CacheEvent[] = [
      { name: 'fuse_iomap_cache_add', inode, isize: -1n, fork: 1, map },
      { name: 'fuse_iext_insert', inode, isize: 0n, state: 0x7f, leafAddr: 3, leafId: 3, pos: 15, rec: map },
      { name: 'fuse_iomap_cache_lookup_result', inode, isize: 5n, fork: 0, pos: 1n, count: 2n, got: map, map, cookie: 0xffff_ffffn },
      { name: 'fuse_iomap_cache_invalidate_range', inode, isize: 0n, offset: 0n, length: 0xffff_ffff_ffff_ffffn },
    ];
    for (const ev of evs) {
      const f = decodeBody(FUSE_SCHEMAS.get(ev.name)!, formatFuseEvent(ev));
      expect(typeof f, ev.name).toBe('object');
      if (typeof f === 'string') continue;
      expect(f.connection).toBe(0x1234n);
      expect(f.ino).toBe(0xffff_ffff_ffff_ffffn);
      if (ev.name === 'fuse_iext_insert') {
        expect(f.iext_state).toBe(0x7fn);
        expect(f.pos).toBe(15n);
        expect(f.offset).toBe(0xffff_ffff_ffff_f000n);
        expect(f.type).toBe(0xfffen);
        expect(f.mapflags).toBe(0x8105n);
      }
      if (ev.name === 'fuse_iomap_cache_lookup_result') expect(f.validity_cookie ?? f.cookie).toBe(0xffff_ffffn);
    }
  });

  it('rejects a body that does not fit, saying why', () => {
    const r = decodeBody(FUSE_SCHEMAS.get('fuse_iext_insert')!, 'connection 1 ino 12 state (bogus) cur 0000000000000001/0 offset 0x0 addr 0x0 length 0x0 type hole mapflags () dev 0 caller x');
    expect(r).toMatch(/iext_state: 'bogus' is not a FUSE_IEXT_STATE_STRINGS rendering/);
    expect(decodeBody(FUSE_SCHEMAS.get('fuse_iext_insert')!, 'connection 1')).toMatch(/does not match the format/);
  });
});

describe('flag and symbol tables', () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name}: __print_flags and __print_symbolic renderings invert`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffff }), (v) => {
          expect(unprintFlags(printFlags(v, table), table)).toBe(BigInt(v));
        }),
        { numRuns: 300 },
      );
      for (const [v, sym] of table) {
        expect(printSymbolic(v, table)).toBe(sym);
        expect(unprintSymbolic(sym, table)).toBe(BigInt(v));
      }
      expect(unprintSymbolic('0x1234567', table)).toBe(0x1234567n);
    });
  }
});

describe('xfs dialect schemas', () => {
  it('has the nine iext/bmap/iomap events', () => {
    expect([...XFS_SCHEMAS.keys()].sort()).toEqual(
      ['xfs_bmap_post_update', 'xfs_bmap_pre_update', 'xfs_iext_insert', 'xfs_iext_remove', 'xfs_iomap_alloc', 'xfs_iomap_found', 'xfs_iomap_invalid', 'xfs_wb_cow_iomap_invalid', 'xfs_wb_data_iomap_invalid'].sort(),
    );
  });

  it('decodes an xfs_iext_insert body: dev_t, state flags with leftover bits, pointer, record', () => {
    const f = decodeBody(
      XFS_SCHEMAS.get('xfs_iext_insert')!,
      'dev 7:3 ino 0x84 state LF|RF|0xc0 cur 0000000067e6a4fc/5 fileoff 0x1ba startblock 0xffffffffe0005 fsbcount 0x2 flag 1 caller xfs_bmap_add_extent_unwritten_real+0x582/0x1240',
    );
    expect(f).toMatchObject({ dev: (7n << 20n) | 3n, ino: 0x84n, bmap_state: 0xccn, leaf: '0000000067e6a4fc', pos: 5n, startoff: 0x1ban, startblock: 0xffffffffe0005n, blockcount: 2n, state: 1n });
    const empty = decodeBody(XFS_SCHEMAS.get('xfs_iext_remove')!, 'dev 7:0 ino 0x84 state  cur 0xffff888100a1b000/0 fileoff 0x0 startblock 0x1 fsbcount 0x1 flag 0 caller 0xffffffffc0a1b2c3');
    expect(empty).toMatchObject({ bmap_state: 0n, leaf: 'ffff888100a1b000' });
    const fork = decodeBody(XFS_SCHEMAS.get('xfs_iomap_found')!, 'dev 7:0 ino 0x84 disize 0x0 pos 0x0 bytecount 0x1000 fork cow startoff 0x0 startblock 0x1 fsbcount 0x1');
    expect(fork).toMatchObject({ whichfork: 2n });
  });
});
