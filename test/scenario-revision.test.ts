// SPDX-License-Identifier: GPL-2.0-only
/* The scenario's `revision` setting selects the kernel revision the cache models; RunOptions.revision overrides it. */
import { describe, expect, it } from 'vitest';
import { registerRevision, RFC_V3, type Revision } from '../src/cache/revision.js';
import { parseScenario } from '../src/scenario/parse.js';
import { type CommandResult, runScenario } from '../src/scenario/run.js';

// A made-up revision whose counter starts at 100 and steps by 2: visible in every seq.
const STEP2: Revision = { ...RFC_V3, name: 'test-step2', description: 'test only', initialSeq: 100n, nextSeq: (s: bigint) => s + 2n };
registerRevision(STEP2);

const seqs = (text: string, revision?: Revision): bigint[] => {
  const out: bigint[] = [];
  runScenario(parseScenario(text), { revision, onResult: (r: CommandResult) => 'seq' in r && out.push(r.seq) });
  return out;
};

describe('scenario revision setting', () => {
  const body = 'upsert read 0 0x1000 0x1000 mapped 0 1\nupsert read 0x2000 0x1000 0x9000 mapped 0 1\n';

  it('defaults to rfc-v3 (seq from 0, +1 per insert)', () => {
    expect(parseScenario(body).revision).toBeUndefined();
    expect(seqs(body)).toEqual([1n, 2n]);
  });

  it('`revision NAME` runs the cache under that revision', () => {
    const sc = parseScenario('revision test-step2\n' + body);
    expect(sc.revision).toBe(STEP2);
    expect(seqs('revision test-step2\n' + body)).toEqual([102n, 104n]);
  });

  it('RunOptions.revision (the CLI --revision) overrides the scenario line', () => {
    expect(seqs('revision test-step2\n' + body, RFC_V3)).toEqual([1n, 2n]);
  });
});
