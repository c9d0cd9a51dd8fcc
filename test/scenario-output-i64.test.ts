// SPDX-License-Identifier: GPL-2.0-only
/*
 * The two result paths of runScenario print the same .out text: the bigint
 * CommandResult through writeOut (JSON, revisions, tests) and the I64
 * CommandResultI through writeOutI (`iomap-sim run`, the grow benchmark).
 * Run on every fixture (whose .out the CLI must match byte for byte), under
 * every revision, and on scenarios whose values sit on the I64 edges:
 * 2^53 - 1 / 2^53, offsets >= 2^63 (negative loff_t), the all-ones
 * NULL_ADDR and INVAL_TO_EOF, and sums that wrap.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { revisionByName, revisionNames } from '../src/cache/revision.js';
import { OutBytes, writeOut, writeOutI } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { type CommandResult, runScenario } from '../src/scenario/run.js';
import { FIXTURES } from './paths.js';
import { toI64 } from '../src/util/int64.js';

function bothOutputs(text: string, revision = revisionByName('rfc-v3')!): [string, string] {
  let a = '';
  let b = '';
  // a small buffer, so that chunks end mid-line too
  const o = new OutBytes((bytes, n) => (b += Buffer.from(bytes.subarray(0, n)).toString('utf8')), 256);
  runScenario(parseScenario(text, 't.scenario', { revision }), {
    revision,
    onResult: (r) => {
      const before = a;
      writeOut(r, (s) => {
        // writeOut hands out whole lines
        expect(s.endsWith('\n')).toBe(true);
        a += s;
      });
      expect(a.length).toBeGreaterThan(before.length);
    },
    onResultI: (r) => writeOutI(r, o),
  });
  o.flush();
  return [a, b];
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.scenario'));

describe('OutBytes', () => {
  const print = (fn: (o: OutBytes) => void, size = 256): string => {
    let s = '';
    const o = new OutBytes((b, n) => (s += Buffer.from(b.subarray(0, n)).toString('utf8')), size);
    fn(o);
    o.flush();
    return s;
  };
  const I64S = fc.oneof(
    fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
    fc.bigInt({ min: -(1n << 33n), max: 1n << 33n }),
    fc.integer({ min: 0, max: 64 }).chain((k) => fc.bigInt({ min: (1n << BigInt(k)) - 2n, max: (1n << BigInt(k)) + 2n })),
    // the digit count changes at powers of ten; the writers print two digits a step
    fc.integer({ min: 0, max: 19 }).chain((k) => fc.bigInt({ min: 10n ** BigInt(k) - 2n, max: 10n ** BigInt(k) + 2n })).chain((v) => fc.constantFrom(v, -v)),
  );

  it('prints hex and decimal as toString(16) of the u64 pattern and toString() do', () => {
    fc.assert(
      fc.property(I64S, (v) => {
        const i = toI64(v);
        expect(print((o) => o.hex(i))).toBe(BigInt.asUintN(64, v).toString(16));
        expect(print((o) => o.dec(i))).toBe(v.toString());
      }),
      { numRuns: 3000 },
    );
  });

  it('writeOut starts clean after a call that threw in the middle of a line', () => {
    const broken: CommandResult = {
      op: 'dump', line: 1, fork: 0, nofork: false, count: 1, height: 1, seq: 3n,
      forEachExtent: (fn) =>
        fn({
          offset: 0n, length: 4096n, addr: 0n, type: 2, flags: 0,
          get dev(): number {
            throw new Error('bad record');
          },
        }),
    };
    expect(() => writeOut(broken, () => {})).toThrow('bad record');
    let out = '';
    writeOut({ op: 'add', line: 2, ret: 0, seq: 4n }, (s) => (out += s));
    expect(out).toBe('add 0 seq 4\n');
  });

  it('keeps text across chunk boundaries, non-ASCII included', () => {
    const parts = ['abc', 'é', 'x'.repeat(300), '€uro', '\n', 'z'.repeat(70)];
    expect(print((o) => parts.forEach((p) => o.str(p)), 256)).toBe(parts.join(''));
  });
});

describe('writeOutI prints what writeOut prints', () => {
  it.each(fixtures)('%s, every revision', (name) => {
    const text = readFileSync(join(FIXTURES, name), 'utf8');
    const expected = readFileSync(join(FIXTURES, name.replace(/\.scenario$/, '.out')), 'utf8');
    for (const rev of revisionNames()) {
      const [a, b] = bothOutputs(text, revisionByName(rev)!);
      expect(b).toBe(a);
      if (rev === 'rfc-v3') expect(b).toBe(expected);
    }
  });

  it('on values at the I64 edges', () => {
    const edges = [
      '0x0', '0x1000', '0x1fffffffffffff', '0x20000000000000', '0x20000000001000', '0x7ffffffffffff000', '0x7fffffffffffffff',
      '0x8000000000000000', '0x8000000000001000', '0xfffffffffffff000', '0xffffffffffffffff',
    ];
    const lens = ['0x1000', '0x3000', '0x1fffffffffffff', '0x20000000000000', '0x8000000000000000', '0xffffffffffffffff'];
    const line = fc.oneof(
      fc.tuple(fc.constantFrom('upsert', 'add'), fc.constantFrom('read', 'write'), fc.constantFrom(...edges), fc.constantFrom(...lens), fc.constantFrom(...edges), fc.constantFrom('mapped', 'hole', 'unwritten', 'delalloc')).map(
        ([op, fork, off, len, addr, type]) => `${op} ${fork} ${off} ${len} ${addr} ${type} 0 1`,
      ),
      fc.tuple(fc.constantFrom('remove', 'lookup'), fc.constantFrom('read', 'write'), fc.constantFrom(...edges), fc.constantFrom(...lens)).map(([op, fork, off, len]) => `${op} ${fork} ${off} ${len}`),
      fc.tuple(fc.constantFrom(...edges), fc.constantFrom(...lens)).map(([off, len]) => `invalidate ${off} ${len}`),
      fc.constantFrom('dump read', 'dump write'),
    );
    fc.assert(
      fc.property(fc.constantFrom('fuse', 'xfs'), fc.constantFrom(...revisionNames()), fc.array(line, { minLength: 1, maxLength: 40 }), (geometry, rev, lines) => {
        const text = `geometry ${geometry}\n${lines.join('\n')}\ndump read\ndump write\n`;
        let both: [string, string];
        try {
          both = bothOutputs(text, revisionByName(rev)!);
        } catch (e) {
          // a scenario the modelled kernel would oops or hang on: both paths stop alike (not compared here)
          if ((e as Error).name === 'KernelOops' || (e as Error).name === 'KernelLockup') return;
          throw e;
        }
        expect(both[1]).toBe(both[0]);
      }),
      { numRuns: 400 },
    );
  });
});
