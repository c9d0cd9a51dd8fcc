// SPDX-License-Identifier: GPL-2.0-only
/*
 * parseScenario reads a scenario given as bytes (what `iomap-sim run`
 * passes: the file is not decoded as a whole) exactly as it reads the same
 * text given as a string: the same settings and commands, or the same
 * FILE:LINE error, for well-formed lines, named types and flags, settings,
 * comments, CR LF line ends, a BOM, non-ASCII text and garbage.
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/parse.js';
import { FIXTURES } from './paths.js';

/** everything parseScenario gives: the scenario's fields and commands, or the error */
function outcome(input: string | Uint8Array): unknown {
  try {
    const sc = parseScenario(input, 'x.scenario');
    return { geometry: sc.geometry.name, blockSize: sc.blockSize, maxBytes: sc.maxBytes, revision: sc.revision?.name, cacheMaxBytes: sc.cacheMaxBytes, kernel: sc.kernel, commands: sc.commands };
  } catch (e) {
    return { error: String(e) };
  }
}

const num = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => `0x${v.toString(16)}`),
  fc.bigInt({ min: 0n, max: 1n << 60n }).map(String),
  fc.constantFrom('0', '0x', '-1', '1e3', '0xffffffffffffffff', '18446744073709551616', '0x1_000'),
);
const word = fc.constantFrom('add', 'upsert', 'remove', 'lookup', 'invalidate', 'dump', 'geometry', 'blocksize', 'maxbytes', 'revision', 'Upsert', 'adds', '#', 'read', 'write', 'fuse', 'xfs', 'rfc-v3', 'mapped', 'hole', 'shared|boundary', 'é', '€', '😀', '\t', '');
const line = fc.oneof(
  fc.tuple(fc.constantFrom('upsert', 'add'), fc.constantFrom('read', 'write'), num, num, num, fc.constantFrom('2', '0', 'mapped', 'hole', '0xffff'), fc.constantFrom('0', '2', 'shared'), fc.constantFrom('0', '1')).map((t) => t.join(' ')),
  fc.tuple(fc.constantFrom('remove', 'lookup'), fc.constantFrom('read', 'write'), num, num).map((t) => t.join(' ')),
  fc.tuple(num, num).map(([a, b]) => `invalidate ${a} ${b}`),
  fc.array(fc.oneof(word, num), { maxLength: 9 }).map((w) => w.join(' ')),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
const text = fc.tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean()).map(
  ([lines, eol, bom, lastEol]) => (bom ? '\ufeff' : '') + lines.join(eol) + (lastEol ? eol : ''),
);

describe('parseScenario on bytes', () => {
  it('reads bytes as it reads the same text as a string', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(outcome(Buffer.from(t, 'utf8'))).toEqual(outcome(t));
      }),
      { numRuns: 3000 },
    );
  });

  it.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.scenario')))('%s: the same commands from bytes and string', (name) => {
    const bytes = readFileSync(join(FIXTURES, name));
    const a = outcome(bytes);
    expect(a).not.toHaveProperty('error');
    expect(a).toEqual(outcome(bytes.toString('utf8')));
  });

  it('reads every width of number as the LineParser does (the fast path takes a plain line, a comment sends it to the LineParser)', () => {
    // hex of 1 to 16 digits (leading zeros too: the scanner keeps two 32-bit halves and returns a bigint-range split from 14 digits on), decimal of 1 to 20
    const hex = fc.tuple(fc.integer({ min: 1, max: 16 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom('0x', '0X')).map(
      ([n, v, x]) => x + (v & ((1n << BigInt(4 * n)) - 1n)).toString(16).padStart(n, '0'),
    );
    const dec = fc.tuple(fc.integer({ min: 1, max: 20 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([n, v]) => (v % 10n ** BigInt(n)).toString());
    const n = fc.oneof(hex, dec);
    fc.assert(
      fc.property(fc.constantFrom('upsert read', 'add write', 'remove read', 'lookup write', 'invalidate'), n, n, n, (cmd, a, b, c) => {
        const args = cmd === 'upsert read' || cmd === 'add write' ? `${a} ${b} ${c} 2 0 1` : `${a} ${b}`;
        const fast = outcome(`geometry fuse\n${cmd} ${args}\n`);
        const slow = outcome(`geometry fuse\n${cmd} ${args} # LineParser\n`);
        expect(fast).toEqual(slow);
      }),
      { numRuns: 3000 },
    );
  });

  it('names the line of a bad byte sequence, as reading the file as UTF-8 would', () => {
    const bytes = Buffer.concat([Buffer.from('geometry fuse\nadd read 0 4096 0 mapped 0 0\nadd read '), Buffer.from([0xe2, 0x82]), Buffer.from(' 1 2 mapped 0 0\n')]);
    const a = outcome(bytes) as { error: string };
    expect(a.error).toMatch(/^ScenarioError: x\.scenario:3: /);
    expect(a).toEqual(outcome(bytes.toString('utf8')));
  });
});
