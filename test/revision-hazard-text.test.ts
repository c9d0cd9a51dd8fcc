// SPDX-License-Identifier: GPL-2.0-only
/*
 * remove-end-overflow (SPEC 8.3) is reported with the text of the revision
 * that ran: rfc-v3's result depends on the tree height; under v7's u64
 * record offsets an end up to 2^64 removes everything from start and a sum
 * past 2^64 removes nothing (docs/revisions.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAZARDS, hazardSummary } from '../src/cache/hazards.js';
import { RFC_V3 } from '../src/cache/revision.js';
import { V7, V7_TREE } from '../src/cache/revision-v7.js';
import { diffRevisions, formatDiffReport } from '../src/cli/revisions-command.js';
import { CLI } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-hazard-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const FIVE = [0, 2, 4, 6, 8].map((i) => `add read 0x${i}000 0x1000 0x10${i}000 mapped 0 1`).join('\n');
const TREE_HEIGHT = /what gets removed depends on the tree height/;
const U64 = /an end up to 2\^64 still removes everything from start at any tree height .* a start \+ len past 2\^64 wraps end below start and the call removes nothing and returns 0/;

describe('remove-end-overflow text per revision', () => {
  it('hazardSummary picks the u64 text for v7 and v7-tree only; other hazards keep one text', () => {
    expect(hazardSummary(HAZARDS.removeEndOverflow, RFC_V3)).toMatch(TREE_HEIGHT);
    expect(hazardSummary(HAZARDS.removeEndOverflow, V7)).toMatch(U64);
    expect(hazardSummary(HAZARDS.removeEndOverflow, V7_TREE)).toMatch(U64);
    expect(hazardSummary(HAZARDS.eraseAllNoSeqBump, V7)).toBe(HAZARDS.eraseAllNoSeqBump.summary);
  });

  it('run reports it with the running revision text', () => {
    const f = join(work, 'h.scenario');
    writeFileSync(f, `${FIVE}\nremove read 0x2000 0xffffffffffffe000\ndump read\n`);
    const v3 = spawnSync(process.execPath, [CLI, 'run', f], { encoding: 'utf8' });
    expect(v3.stdout).toMatch(/fork read count 5 /);
    expect(v3.stderr).toMatch(TREE_HEIGHT);
    const v7 = spawnSync(process.execPath, [CLI, 'run', f, '--revision', 'v7'], { encoding: 'utf8' });
    // 0x2000 + 0xffffffffffffe000 = 2^64: end wraps to 0, so v7 removes 0x2000 and up
    expect(v7.stdout).toMatch(/fork read count 1 /);
    expect(v7.stderr).toMatch(U64);
    expect(v7.stderr).not.toMatch(TREE_HEIGHT);
  });

  it('revisions diff shows each side with its own text', () => {
    const text = formatDiffReport(diffRevisions(`${FIVE}\nremove read 0x2000 0xffffffffffffe000\n`, 'h', RFC_V3, V7));
    const lines = text.split('\n').filter((l) => l.includes('hazard remove-end-overflow'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(TREE_HEIGHT);
    expect(lines[1]).toMatch(U64);
  });
});
