// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hand-worked v7 scenarios, one per difference of docs/revisions.md that a
 * scenario can show (test/scenarios/v7/NAME.scenario, the reasoning in its
 * comments). NAME.out is the expected output under the scenario's own
 * `revision v7` line, worked out by hand from the v7 source;
 * NAME.REV.out the expected output when run --revision REV overrides it
 * (the scenario's names re-encoded for REV). Differences covered elsewhere:
 * the counter's start and wrap, the cap's default and clamping, the
 * overwrite skip's first use and the cache object's alloc/free events in
 * test/revision-v7.test.ts; the v7 tracepoint texts in test/trace-v7.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { revisionByName } from '../src/cache/revision.js';
import { writeOut } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { ROOT } from './paths.js';

const DIR = join(ROOT, 'test', 'scenarios', 'v7');
const files = readdirSync(DIR);
const expectations = files.filter((f) => f.endsWith('.out')).sort();

function run(name: string, revName?: string): { out: string; hazards: string[] } {
  const revision = revName === undefined ? undefined : revisionByName(revName);
  if (revName !== undefined && !revision) throw new Error(`${name}: unknown revision ${revName}`);
  const sc = parseScenario(readFileSync(join(DIR, `${name}.scenario`), 'utf8'), `${name}.scenario`, { revision });
  let out = '';
  const summary = runScenario(sc, { revision, onResult: (r) => writeOut(r, (s) => (out += s)) });
  return { out, hazards: [...summary.hazards.keys()] };
}

describe('hand-worked v7 scenarios', () => {
  it('every scenario with an expectation declares revision v7', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(10);
    for (const f of expectations) expect(readFileSync(join(DIR, `${f.split('.')[0]}.scenario`), 'utf8')).toMatch(/^revision v7$/m);
  });

  for (const f of expectations) {
    const [name, rev] = f.replace(/\.out$/, '').split('.');
    it(`${name}${rev ? ` under --revision ${rev}` : ''}`, () => {
      expect(run(name, rev).out).toBe(readFileSync(join(DIR, f), 'utf8'));
    });
  }

  it('the hazards each scenario walks through', () => {
    expect(run('erase-all').hazards).toEqual(['erase-all-no-seq-bump']);
    expect(run('erase-all', 'rfc-v3').hazards).toEqual(['erase-all-no-seq-bump']);
    expect(run('remove-end-overflow').hazards).toEqual(['remove-end-overflow']);
    // u64 offsets: the high record is no hazard under v7; the remove crossing 2^63 is
    expect(run('u64-offsets').hazards).toEqual(['remove-end-overflow']);
  });
});
