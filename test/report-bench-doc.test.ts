// SPDX-License-Identifier: GPL-2.0-only
/*
 * docs/benchmarks.md regeneration (bench/doc.ts): figure blocks replaced
 * from results, prose kept byte for byte, the suite index rebuilt, a new
 * suite given a section of its own, a broken block refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regenerateDoc, NEW_SUITES_MARK } from '../bench/doc.js';
import { type BenchSuite, defineSuite, mdTable, type RunInfo } from '../bench/common.js';
import { ROOT } from './paths.js';

const suite = (name: string): BenchSuite<unknown> =>
  defineSuite<{ a: number; b: number }>({
    name,
    title: `${name} things; ratio = a / b`,
    run: () => ({ a: 3, b: 2 }),
    text: (r) => `${r.a}/${r.b}`,
    markdown: (r) => mdTable(['a', 'b', 'a / b'], [[r.a, r.b, `${(r.a / r.b).toFixed(2)}x`]]),
  }) as BenchSuite<unknown>;

const info: RunInfo = { date: '2026-11-30T07:00:00.000Z', node: 'v20.20.2', cores: 2, quick: false, source: { head: 'abc1234', dirty: [] }, loadavgAtStart: [1, 0.5, 0.25], seconds: 12.4 };

const DOC = `# B

<!-- bench:index -->
old index
<!-- /bench:index -->

Prose before, kept.

### alpha

<!-- bench:alpha -->
old alpha table
<!-- /bench:alpha -->

Alpha explained: kept as written.

${NEW_SUITES_MARK}
`;

describe('regenerateDoc', () => {
  it('replaces blocks of suites with results, keeps prose and blocks without results', () => {
    const out = regenerateDoc(DOC, [suite('alpha'), suite('beta'), suite('gamma')], { alpha: { a: 3, b: 2 }, beta: { a: 1, b: 4 } }, { alpha: info });
    expect(out).toContain('Prose before, kept.\n');
    expect(out).toContain('Alpha explained: kept as written.\n');
    expect(out).not.toContain('old alpha table');
    expect(out).not.toContain('old index');
    expect(out).toContain(
      '<!-- bench:alpha -->\n_Measured on commit abc1234, 2026-11-30 07:00 UTC, Node v20.20.2, 2 cores, load average 1.00 0.50 0.25 at the start, 12 s._\n\n| a | b | a / b |\n|---|---|---|\n| 3 | 2 | 1.50x |\n<!-- /bench:alpha -->',
    );
    // index lists every registered suite, with or without results
    expect(out).toContain('| `gamma` | `bench/gamma.bench.ts` | gamma things; ratio = a / b |');
    // beta had no block: a new section before the marker, with its title
    const beta = out.indexOf('### beta\n\nbeta things; ratio = a / b.\n\n<!-- bench:beta -->');
    expect(beta).toBeGreaterThan(out.indexOf('Alpha explained'));
    expect(beta).toBeLessThan(out.indexOf(NEW_SUITES_MARK));
    expect(out).toContain('| 1 | 4 | 0.25x |');
    // no result for gamma: no section
    expect(out).not.toContain('### gamma');
    // regenerating again changes nothing
    expect(regenerateDoc(out, [suite('alpha'), suite('beta'), suite('gamma')], { alpha: { a: 3, b: 2 }, beta: { a: 1, b: 4 } }, { alpha: info })).toBe(out);
  });

  it('refuses a block with no end marker', () => {
    expect(() => regenerateDoc('<!-- bench:alpha -->\nx\n', [suite('alpha')], { alpha: { a: 1, b: 1 } }, {})).toThrow('<!-- bench:alpha --> has no <!-- /bench:alpha -->');
  });

  it('docs/benchmarks.md has a closed block for the index and every core suite', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'benchmarks.md'), 'utf8');
    for (const name of ['index', 'int64', 'cache', 'memory', 'grow']) {
      const a = doc.indexOf(`<!-- bench:${name} -->`);
      expect(a, name).toBeGreaterThanOrEqual(0);
      expect(doc.indexOf(`<!-- /bench:${name} -->`, a), name).toBeGreaterThan(a);
    }
  });
});
