// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parser's guess of an event name (parse/fast-line.ts: the name that
 * followed the previous line's schema last time, checked on the bytes
 * before the hash and the lookup) against the exact path: over runs of
 * lines whose names share prefixes, in both fuse texts and xfs's, mixed
 * (a guess of the other revision's schema must not be taken), and with
 * names cut short or lengthened, every line reads as parseLine reads it
 * and every undamaged line is taken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanLine } from '../src/trace/parse/fast-line.js';
import { parseLine } from '../src/trace/parse/line.js';
import { FUSE_SCHEMAS, FUSE_V7_SCHEMAS } from '../src/trace/schema/registry.js';
import { guessedNameLines } from './trace-lines.js';

describe('the name guess of the fast parser', () => {
  it('reads every line of a run as parseLine does, whatever came before', () => {
    let guessedWrong = 0;
    fc.assert(
      fc.property(guessedNameLines, (lines) => {
        let prev = '';
        for (const { format, line, damaged } of lines) {
          const b = Buffer.from(line);
          const got = scanLine(line, b, 0, line.length, 3, format);
          const want = parseLine(line, 3, format);
          if (!damaged) expect(got).not.toBeNull();
          if (got !== null) expect(got).toStrictEqual(want);
          const name = line.split(': ')[1];
          if (prev !== '' && name !== prev && (name.startsWith(prev) || prev.startsWith(name))) guessedWrong++;
          prev = name;
        }
      }),
      { numRuns: 400 },
    );
    // the runs do put a name after one it extends, or is a prefix of
    expect(guessedWrong).toBeGreaterThan(50);
  });

  it('takes the revision of the line, not the schema guessed from the other revision', () => {
    // fuse_iomap_cache_add is in both revisions' texts with other fields: after an rfc-v3 run, a v7 line is read as v7
    const v3 = '  fuse2fs-4242 [000] ..... 100.000001: fuse_iomap_cache_add: connection 1 ino 12 nodeid 7 isize 0x0 whichfork read offset 0x1000 length 0x1000 type hole mapflags () dev 0 addr 0xffffffffffffffff caller fuse_iomap_cache+0x0/0x0';
    const v7 = '  fuse2fs-4242 [000] ..... 100.000002: fuse_iomap_cache_add: connection 1 ino 12 nodeid 7 isize 0x0 iodir read offset 0x1000 length 0x1000 type hole dev 0 addr 0xffffffffffffffff mapflags () caller fuse_iomap_cache+0x0/0x0';
    const read = (line: string, format: 'rfc-v3' | 'v7') => scanLine(line, Buffer.from(line), 0, line.length, 1, format);
    for (let i = 0; i < 3; i++) expect(read(v3, 'rfc-v3')).toStrictEqual(parseLine(v3, 1, 'rfc-v3'));
    // the rfc-v3 text is not v7's (the exact path then names why), the v7 text is read as v7
    expect(read(v3, 'v7')).toBeNull();
    expect(parseLine(v3, 1, 'v7').kind).toBe('error');
    const got = read(v7, 'v7');
    expect(got?.kind).toBe('event');
    expect(got).toStrictEqual(parseLine(v7, 1, 'v7'));
    // and back
    expect(read(v3, 'rfc-v3')).toStrictEqual(parseLine(v3, 1, 'rfc-v3'));
    expect(FUSE_SCHEMAS.get('fuse_iomap_cache_add')).not.toBe(FUSE_V7_SCHEMAS.get('fuse_iomap_cache_add'));
  });
});
