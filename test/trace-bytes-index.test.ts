// SPDX-License-Identifier: GPL-2.0-only
/*
 * BytesIndex (src/trace/parse/bytes-index.ts), through which the parser
 * finds a schema by its name and a flag rendering's value by its text:
 * texts whose hashes collide ("Aa" and "BB" under the 31-polynomial), or
 * that share a front slot (hash & 1023) with another, each give their own
 * value whichever was asked last; an unknown text of the same hash gives
 * undefined; a text that is not ASCII is not kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytesIndex, hashText } from '../src/trace/parse/bytes-index.js';

const get = (ix: BytesIndex<number>, text: string) => {
  const b = Buffer.from(`xx${text}yy`, 'latin1');
  return ix.get(b, 2, 2 + text.length, hashText(text));
};

describe('BytesIndex', () => {
  it('colliding hashes and shared front slots give each text its own value', () => {
    expect(hashText('Aa')).toBe(hashText('BB'));
    expect(hashText('AaAa')).toBe(hashText('BBBB'));
    const ix = new BytesIndex<number>();
    const texts = ['Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 'BBAa'];
    texts.forEach((t, i) => ix.add(t, i));
    // find texts sharing a front slot with 'Aa' but not its hash
    const slotmates: string[] = [];
    for (let i = 0; slotmates.length < 3; i++) {
      const t = `k${i}`;
      if ((hashText(t) & 1023) === (hashText('Aa') & 1023) && hashText(t) !== hashText('Aa')) slotmates.push(t);
    }
    slotmates.forEach((t, i) => ix.add(t, 100 + i));
    const all = [...texts, ...slotmates];
    const want = (t: string) => (texts.includes(t) ? texts.indexOf(t) : 100 + slotmates.indexOf(t));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...all), { minLength: 1, maxLength: 30 }), (order) => {
        for (const t of order) expect(get(ix, t)).toBe(want(t));
      }),
    );
    expect(get(ix, 'Ab')).toBeUndefined();
    expect(get(ix, 'A')).toBeUndefined();
    // same hash as 'Aa', never added
    expect(hashText('C#')).toBe(hashText('Aa'));
    expect(get(ix, 'C#')).toBeUndefined();
  });

  it('getWords (four bytes at a time) answers as get, at any offset, for texts of every length', () => {
    // colliding hashes of every length up to 12 (Aa/BB swapped pairwise), and texts one byte apart
    const collide = (n: number) => Array.from({ length: 8 }, (_, m) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? ((m >> (i >> 1)) & 1 ? 'B' : 'A') : (m >> (i >> 1)) & 1 ? 'B' : 'a')).join(''));
    const text = fc.oneof(fc.string({ unit: fc.constantFrom(...'ab|_()0x'), maxLength: 12 }), fc.integer({ min: 0, max: 12 }).chain((n) => fc.constantFrom(...collide(n))));
    fc.assert(
      fc.property(fc.uniqueArray(text, { maxLength: 20 }), fc.array(fc.tuple(text, fc.nat(7)), { maxLength: 30 }), (added, asked) => {
        const ix = new BytesIndex<number>();
        added.forEach((t, i) => ix.add(t, i));
        for (const [t, pad] of [...added.map((t) => [t, 3] as const), ...asked]) {
          const b = Buffer.from(`${'x'.repeat(pad)}${t}yy`, 'latin1');
          const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
          const want = ix.get(b, pad, pad + t.length, hashText(t));
          expect(want).toBe(added.includes(t) ? added.indexOf(t) : undefined);
          expect(ix.getWords(b, dv, pad, pad + t.length, hashText(t))).toBe(want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not keep a text that is not ASCII', () => {
    const ix = new BytesIndex<number>();
    ix.add('caf\u00e9', 1);
    expect(ix.entries).toBe(0);
    const b = Buffer.from('caf\u00e9', 'latin1');
    expect(ix.get(b, 0, 4, hashText('caf\u00e9'))).toBeUndefined();
  });
});
