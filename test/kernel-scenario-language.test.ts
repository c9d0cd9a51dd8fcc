// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel part of the scenario language: errors name the line, field
 * and value; raw hex reaches the protocol layer's size checks; every
 * tracepoint of this layer prints text its TP_printk schema decodes back
 * to the values the model had.
 */
import { describe, expect, it } from 'vitest';
import { revisionByName } from '../src/cache/revision.js';
import { encodeUpsert, toHex } from '../src/protocol/codec.js';
import { ScenarioError, parseScenario } from '../src/scenario/parse.js';
import { decodeBody } from '../src/trace/schema/compile.js';
import { schemaFor } from '../src/trace/schema/registry.js';
import { field, runKernel } from './kernel-scenario-world.js';

const err = (text: string): string => {
  try {
    runKernel(text);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return 'no error';
};

describe('kernel scenario language', () => {
  it.each([
    ['begin 0 0x1000 write|bogus\n', "t.scenario:1: OPFLAGS: unknown flag 'bogus'"],
    ['begin 0 0x1000\n', "t.scenario:1: 'begin' takes 3 arguments before its fields, got 2"],
    ['begin 0 0x1000 write as\n', "t.scenario:1: 'begin' takes 3 arguments before its fields, got 4"],
    ['begin 0 0x1000 write colour=red\n', "t.scenario:1: unknown field 'colour'"],
    ['ioend 0 0x1000 error=-EWHAT\n', "t.scenario:1: error '-EWHAT' is not an errno"],
    ['server reply read_type=squiggly\n', "t.scenario:1: read_type 'squiggly' is neither a number nor one of"],
    ['server reply read_dev=0x100000000\n', 't.scenario:1: read_dev 0x100000000 does not fit in 32 bits'],
    ['server frobnicate\n', "t.scenario:1: server 'frobnicate': expected reply"],
    ['notify-upsert raw 0x12\n', "t.scenario:1: '0x12' is not hex bytes"],
    ['device 2 size=0x1000\n', 't.scenario:1: device ID 2: devices get ids 1, 2, ... in order, this one is 1'],
    ['inode ino=3\n', 't.scenario:1: inode needs nodeid=N'],
    ['inode nodeid=5\ninode nodeid=5\n', 't.scenario:2: nodeid 5 already declared on line 1'],
    ['dump read\ninode nodeid=5\n', "t.scenario:2: 'inode' must come before the first cache command"],
    ['copy-range 0 0x100000000\n', 't.scenario:1: SIZE 0x100000000 does not fit fuse_write_out.size (u32)'],
    ['revalidate map=nope\n', "t.scenario:1: no mapping named 'nope'"],
    ['begin 0 0x1000 read nodeid=99\n', 't.scenario:1: nodeid 99 is not in the inode table'],
    ['begin 0 0x1000 read\n', "t.scenario:1: the server got FUSE_IOMAP_BEGIN but its script has no answer left"],
    ['inode nodeid=7 cache=maybe\n', "t.scenario:1: cache 'maybe' must be on or off"],
  ])('%j', (text, msg) => {
    expect(err(text)).toContain(msg);
  });

  it('a begin whose reply failed validation cannot be ended or revalidated', () => {
    expect(err('server reply offset=0x1000 length=0x1000\nbegin 0 0x1000 read\nend 0x1000\n')).toContain("t.scenario:3: the begin that made 'last' failed (-5)");
  });

  it('begin replies go through the protocol layer\'s validation with its rule names', () => {
    const r = runKernel('server reply offset=0x1000 length=0x1000\nbegin 0 0x1000 read\nserver reply read_type=mapped read_addr=0x1000\nbegin 0 0x1000 read\n');
    expect(field(r.out[1], 'rule')).toBe('offset-after-pos');
    expect(field(r.out[3], 'rule')).toBe('read-no-dev');
    expect(r.out[1].startsWith('begin -5 ')).toBe(true);
    // a NULL reply is accepted only with the cache on; here the retry simply misses
    expect(runKernel('inode nodeid=7 cache=off\nserver null\nbegin 0 0x1000 read\n').out[1]).toMatch(/^begin -5 via server upcalls 1 rule read-null-without-cache /);
  });

  it('raw notifications: any length reaches the size check; the right bytes do what the fields do', () => {
    const out = { nodeid: 7n, attrIno: 12n, read: { offset: 0n, length: 0x1000n, addr: 0x5000n, type: 2, flags: 0, dev: 1 }, write: { offset: 0n, length: 0x1000n, addr: 0xffff_ffff_ffff_ffffn, type: 0xfffe, flags: 0, dev: 0 } };
    const hex = toHex(encodeUpsert(out));
    const r = runKernel(`device 1 size=0x100000\nnotify-upsert raw ${hex}\nnotify-upsert raw ${hex}00\nnotify-inval raw 00\nlookup read 0 0x1000\n`);
    expect(r.out[0]).toMatch(/^notify-upsert 0 seq 1 /);
    expect(r.out[1]).toMatch(/^notify-upsert -22 rule size /);
    expect(r.out[2]).toMatch(/^notify-inval -22 rule size /);
    expect(r.out[3]).toBe('hit 0+1000 addr 5000 type 2 flags 0 dev 1 cookie 1');
  });

  it('a raw begin reply of the wrong size fails the request', () => {
    const r = runKernel('server reply raw 0011\nbegin 0 0x1000 read\n');
    expect(r.out[1]).toMatch(/^begin -22 via server upcalls 1 /);
  });

  it('JSON output carries the same facts with 64-bit values as hex', () => {
    const r = runKernel('device 1 size=0x100000\nnotify-upsert read_offset=0 read_length=0x4000 read_type=mapped read_addr=0x8000 read_dev=1\nbegin 0x1000 0x1000 write\n');
    expect(r.json[1]).toMatchObject({ line: 3, cmd: 'begin', ret: 0, via: 'cache', upcalls: 0, iomap: { offset: '0x1000', length: '0x1000', addr: '0x9000', type: 2, dev: 1, cookie: '0x1' }, srcmap: null, seq: '0x1' });
    expect(r.json[1].events).toEqual(['fuse_iomap_begin', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_lookup_result']);
  });

  it('the fixture commands and kernel commands share the first inode\'s cache', () => {
    const r = runKernel('device 1 size=0x100000\nupsert read 0 0x2000 0x10000 mapped 0 1\nbegin 0 0x1000 read\ndump read\n');
    expect(field(r.out[1], 'via')).toBe('cache');
    expect(r.out[2]).toBe('fork read count 1 height 1 seq 1');
  });

  it('several inodes: nodeid= picks one, copy-range invalidates the destination only', () => {
    const text =
      'device 1 size=0x100000\ninode nodeid=7 ino=12\ninode nodeid=8 ino=13\n' +
      'notify-upsert nodeid=8 attr_ino=13 read_offset=0 read_length=0x4000 read_type=mapped read_addr=0x8000 read_dev=1\n' +
      'notify-upsert read_offset=0 read_length=0x4000 read_type=mapped read_addr=0x10000 read_dev=1\n' +
      'copy-range 0x1000 0x1000 nodeid=8\nbegin 0x1000 0x1000 read\nserver reply\nbegin 0x1000 0x1000 read nodeid=8\n';
    const r = runKernel(text);
    expect(field(r.out[2], 'seq')).toBe('3'); // nodeid 8: 1 upsert + middle punch (2)
    expect(field(r.out[3], 'via')).toBe('cache');
    expect(field(r.out[5], 'via')).toBe('server');
  });
});

describe('tracepoint text of this layer', () => {
  const text =
    'conn atomic_o_trunc=on\ndevice 1 size=0x40000000\ninode nodeid=7 ino=12 cache=off isize=0x8000\n' +
    'server upsert read_offset=0 read_length=0x10000 read_type=unwritten read_addr=0x100000 read_dev=1 read_flags=dirty\nserver null\n' +
    'begin 0x2000 0x1000 write|direct as=w\nwriteback 0x2000 0x1000\nioend 0x2000 0x1000 flags=unwritten new_addr=0x300000\n' +
    'revalidate map=w\nserver reply read_type=inline\nbegin 0x20000 0x10 write\nend 0x10\n' +
    'server error -EIO\nbegin 0x40000 0x1000 read\nnotify-inval read_offset=0 read_length=0x1000\n' +
    'setsize 0x9000\nfallocate punch_hole|keep_size 0x1000 0x1000\ncopy-range 0x3000 0x20\nopen-trunc\n';

  it('every event decodes with its fuse_trace.h schema', () => {
    const r = runKernel(text);
    const names = new Set(r.trace.map(([n]) => n));
    for (const n of ['fuse_iomap_begin', 'fuse_iomap_begin_error', 'fuse_iomap_read_map', 'fuse_iomap_write_map', 'fuse_iomap_upsert', 'fuse_iomap_inval', 'fuse_iomap_cache_enable', 'fuse_iomap_invalid', 'fuse_iomap_map_blocks', 'fuse_iomap_ioend', 'fuse_iomap_ioend_error', 'fuse_iomap_end', 'fuse_iomap_end_error', 'fuse_iomap_set_inline_iomap', 'fuse_iomap_set_inline_srcmap', 'fuse_iomap_setsize', 'fuse_iomap_truncate_down', 'fuse_iomap_fallocate', 'fuse_iomap_punch_range', 'fuse_iomap_copied_file_range', 'fuse_iomap_open_truncate', 'fuse_iomap_cache_invalidate_range'])
      expect(names, n).toContain(n);
    for (const [name, body] of r.trace) {
      const decoded = decodeBody(schemaFor(name)!, body);
      expect(typeof decoded, `${name}: ${body}`).toBe('object');
    }
  });

  it.each([
    ['fuse_iomap_begin', 'connection 1 ino 12 nodeid 7 isize 0x8000 opflags (write|direct) pos 0x2000 count 0x1000'],
    ['fuse_iomap_cache_enable', 'connection 1 ino 12 nodeid 7 isize 0x8000 state (iomap_fileio|iomap_cache)'],
    ['fuse_iomap_upsert', 'connection 1 ino 12 nodeid 7 isize 0x8000 attr_ino 0xc read offset 0x0 read_length 0x10000 read_addr 0x100000 read_maptype unwritten read_mapflags (dirty) read_dev 1 write_offset 0x0 write_length 0x10000 write_addr 0xffffffffffffffff write_maptype null write_mapflags () write_dev 0'],
    ['fuse_iomap_map_blocks', 'connection 1 ino 12 nodeid 7 isize 0x8000 offset 0x2000 count 0x1000'],
    ['fuse_iomap_ioend', 'connection 1 ino 12 nodeid 7 isize 0x8000 ioendflags (unwritten) pos 0x2000 written 4096 error 0 new_addr 0x300000'],
    ['fuse_iomap_begin_error', 'connection 1 ino 12 nodeid 7 isize 0x20010 opflags () pos 0x40000 count 0x1000 err -5'],
    ['fuse_iomap_inval', 'connection 1 ino 12 nodeid 7 isize 0x20010 attr_ino 0xc read offset 0x0 read_length 0x1000 write_offset 0x0 write_length 0x0'],
    ['fuse_iomap_end', 'connection 1 ino 12 nodeid 7 isize 0x20010 opflags (write) pos 0x20000 count 0x10 written 16 dev 0 addr 0xffffffffffffffff type 0x4 mapflags (append)'],
    ['fuse_iomap_setsize', 'connection 1 ino 12 nodeid 7 isize 0x20010 pos 0x9000 bytecount 0x0'],
    ['fuse_iomap_fallocate', 'connection 1 ino 12 nodeid 7 isize 0x9000 mode 0x3 offset 0x1000 length 0x1000 newsize 0x0'],
    ['fuse_iomap_copied_file_range', 'connection 1 ino 12 nodeid 7 isize 0x9000 offset 0x3000 written 0x20'],
    ['fuse_iomap_open_truncate', 'connection 1 ino 12 nodeid 7 isize 0x0'],
  ])('%s', (name, body) => {
    const r = runKernel(text);
    expect(r.trace.find(([n]) => n === name)?.[1]).toBe(body);
  });

  it('runs under v7 too: the NULL reply is RETRY_CACHE there', () => {
    const v7 = revisionByName('v7')!;
    const r = runKernel('device 1 size=0x40000000\nserver upsert read_offset=0 read_length=0x10000 read_type=mapped read_addr=0x100000 read_dev=1\nserver null\nbegin 0x2000 0x1000 read\n', { revision: v7 });
    expect(field(r.out[2], 'via')).toBe('cache-after-upcall');
  });

  it('parses the same under run --revision as with a revision line', () => {
    expect(() => parseScenario('revision v7\nserver reply read_type=overwrite\n')).not.toThrow();
  });
});
