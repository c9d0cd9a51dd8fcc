// SPDX-License-Identifier: GPL-2.0-only
// The grow bench's flat lower bound (bench/flat-lower-bound.ts) must keep doing the model's tree work: close to the model's records and lookup hits.
import { describe, expect, it } from 'vitest';
import { runFlat } from '../bench/flat-lower-bound.js';
import { generateGrow } from '../src/scenario/generate.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { OutBytes, writeOutI } from '../src/scenario/output.js';

function model(text: string): { records: number; hits: number; height: number } {
  let out = '';
  const o = new OutBytes((b, n) => (out += Buffer.from(b.subarray(0, n)).toString('latin1')));
  const { cache } = runScenario(parseScenario(text, 'grow'), { onResultI: (r) => writeOutI(r, o) });
  o.flush();
  return { records: cache.read.count() + (cache.write?.count() ?? 0), hits: out.match(/^hit /gm)?.length ?? 0, height: cache.read.height };
}

describe('flat lower bound (bench only, not the model)', () => {
  for (const seed of [1, 2, 3]) {
    it(`does the grow scenario's tree work like the model (seed ${seed}, 20,000 commands)`, () => {
      const text = generateGrow({ commands: 20_000, seed });
      const m = model(text);
      const f = runFlat(parseScenario(text, 'grow'));
      // overlaps are dropped within one leaf only, so a few records more; lookups see the same extents
      expect(Math.abs(f.records - m.records) / m.records).toBeLessThan(0.01);
      expect(Math.abs(f.hits - m.hits)).toBeLessThanOrEqual(Math.max(3, m.hits * 0.01));
      expect(f.height).toBe(m.height);
    });
  }

  it('refuses a scenario whose command table was replaced', () => {
    const sc = parseScenario(generateGrow({ commands: 10, seed: 1 }), 'grow');
    sc.commands = [...sc.commands];
    expect(() => runFlat(sc)).toThrow('no command table');
  });
});
