// SPDX-License-Identifier: GPL-2.0-only
/*
 * PointerTexts (schema/scanner.ts): the scanners' one string per 16-digit
 * pointer text. Whatever texts share a slot and in whatever order they
 * come, each answer is the text at the bytes given, never the slot's
 * previous text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PointerTexts } from '../src/trace/schema/scanner.js';

const hexDigits = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 });
const at = (text: string, pad: number) => Buffer.from('x'.repeat(pad) + text + ' rest', 'latin1');

describe('PointerTexts', () => {
  it('gives the text at the bytes for any sequence of pointers', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hexDigits, fc.nat(40)), { minLength: 1, maxLength: 200 }), (seq) => {
        const texts = new PointerTexts();
        for (const [text, pad] of seq) expect(texts.get(at(text, pad), pad)).toBe(text);
      }),
    );
  });

  it('answers two texts of the same slot, alternating, each with its own text', () => {
    const a = '00000000b7ca8eb7';
    // another text that falls in a's slot
    let b = '';
    for (let i = 0; !b; i++) {
      const c = i.toString(16).padStart(16, '0');
      if (c !== a && PointerTexts.slotOf(c) === PointerTexts.slotOf(a)) b = c;
    }
    const texts = new PointerTexts();
    expect(texts.get(at(a, 3), 3)).toBe(a);
    expect(texts.get(at(a, 7), 7)).toBe(a);
    expect(texts.get(at(b, 0), 0)).toBe(b);
    expect(texts.get(at(a, 0), 0)).toBe(a);
  });
});
