// SPDX-License-Identifier: GPL-2.0-only
/*
 * The race-sim fuzz target: random small workloads and scheduler seeds
 * through the simulator (src/sim). A fixed-seed campaign is deterministic
 * and finds the seed's O_TRUNC erase-all bug (a finding, with a two-op
 * reproducer that replays from its corpus file); the simulator with
 * revalidation turned off (the no-revalidate policy, a planted bug) is a
 * failure the same campaign catches; the corpus parser names bad input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RFC_V3 } from '../src/cache/revision.js';
import { type CampaignResult, runCampaign } from '../src/fuzz/campaign.js';
import { replayFile, writeReport } from '../src/fuzz/corpus.js';
import { RaceSimTarget, benignViolation } from '../src/fuzz/targets/race-sim.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-race-sim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const summary = (r: CampaignResult) => r.reports.map((x) => `${x.kind} ${x.key} ${x.commands} ${x.body.toString()}`);
/** generation weighted to buffered writes and writeback (no fallocate/truncate/O_TRUNC): where a missing cookie check shows */
const WRITEBACK_BIAS = { bias: () => ({ rw: 8, fallocate: 0, truncate: 0, otrunc: 0, fsync: 1, kick: 4 }), afterRound: () => {} };

describe('race-sim campaigns', () => {
  it('seed 3, 300 executions: deterministic, and finds O_TRUNC erase-all-no-seq-bump with a reproducer of at most three ops', async () => {
    const a = await runCampaign({ target: 'race-sim', revision: RFC_V3, seed: 3, runs: 300 });
    expect(a.execs).toBe(300);
    expect(a.reports.filter((r) => r.kind === 'failure').map((r) => r.message)).toEqual([]);
    const f = a.reports.find((r) => r.key === 'no-stale-io/erase-all-no-seq-bump');
    expect(f).toBeDefined();
    expect(f!.kind).toBe('finding');
    expect(f!.execsBefore).toBeLessThanOrEqual(50);
    expect(f!.message).toMatch(/^buffered read of f\d .* but the server has hole/);
    // shrunk to the race (the scheduler seed stays, so an op that only steers the schedule may stay too)
    expect(f!.commands).toBeLessThanOrEqual(3);
    const threads: Array<{ ops: Array<{ op: string }> }> = JSON.parse(f!.body.toString()).workload.threads;
    const ops = threads.map((t) => t.ops.map((o) => o.op));
    expect(ops.some((t) => t.includes('open-trunc'))).toBe(true);
    expect(ops.some((t) => t.includes('read'))).toBe(true);
    const b = await runCampaign({ target: 'race-sim', revision: RFC_V3, seed: 3, runs: 300 });
    expect(summary(b)).toEqual(summary(a));
    // the corpus file replays as the same finding
    const path = writeReport(work, f!, 'rfc-v3');
    expect(path).toMatch(/race-sim-no-stale-io-erase-all-no-seq-bump-[0-9a-f]{10}\.racesim$/);
    const replay = await replayFile(path);
    expect(replay.why).toBe('still finds no-stale-io/erase-all-no-seq-bump');
    expect(replay.ok).toBe(true);
  });

  it('planted bug: the simulator with revalidation off is a failure (a stale unwritten mapping written through)', async () => {
    const planted = new RaceSimTarget({ revision: RFC_V3, policy: 'no-revalidate' });
    const r = await runCampaign({ target: 'race-sim', revision: RFC_V3, seed: 2, runs: 600, bias: WRITEBACK_BIAS, targetInstance: planted });
    const fail = r.reports.find((x) => x.kind === 'failure');
    expect(fail).toBeDefined();
    expect(fail!.key).toBe('no-stale-io');
    expect(fail!.message).toMatch(/^buffered write of f\d .* used type 3 .* but the server has mapped/);
    expect(fail!.execsBefore).toBeLessThan(600);
    // the same campaign on the seed policy reports nothing: the cookie check catches it
    const good = await runCampaign({ target: 'race-sim', revision: RFC_V3, seed: 2, runs: 600, bias: WRITEBACK_BIAS });
    expect(good.reports.map((x) => x.message)).toEqual([]);
    // and the shrunk reproducer passes on the seed policy
    const c = planted.parse(Buffer.from(fail!.body), 'planted.racesim');
    expect(planted.runCase(c).failure?.property).toBe('no-stale-io');
    expect(new RaceSimTarget({ revision: RFC_V3 }).runCase(c)).toEqual({ failure: null, findings: [] });
  });
});

describe('race-sim cases', () => {
  const t = new RaceSimTarget({ revision: RFC_V3 });
  it('without() leaves out operations across both threads, t0 first', () => {
    const c = {
      seed: 1,
      workload: {
        name: 'w',
        files: [{ name: 'f0', size: 8192, layout: 'written' as const }],
        threads: [
          { name: 't0', phase: 0, ops: [{ op: 'fsync' as const, file: 0 }, { op: 'open-trunc' as const, file: 0 }] },
          { name: 't1', phase: 0, ops: [{ op: 'read' as const, file: 0, off: 0, len: 4096, direct: false }] },
        ],
      },
    };
    expect(t.size(c)).toBe(3);
    const cut = t.without(c, 1, 2);
    expect(cut.workload.threads.map((th) => th.ops.map((o) => o.op))).toEqual([['fsync'], ['read']]);
    expect(t.parse(Buffer.from(`# comment\n${t.format(c)}`), 'x.racesim')).toEqual(c);
  });

  it('bad corpus bodies are named by file, line and field', () => {
    expect(() => t.parse(Buffer.from('# h\n{ nope'), 'a.racesim')).toThrow(/^a\.racesim:2: not a JSON race-sim case/);
    expect(() => t.parse(Buffer.from('{"seed":"x","workload":{}}'), 'b.racesim')).toThrow(/^b\.racesim:1: field 'seed' must be an integer \(got "x"\)/);
    expect(() => t.parse(Buffer.from('{"seed":1,"workload":{"files":[]}}'), 'c.racesim')).toThrow(/^c\.racesim:1: field 'workload' needs 'files' and 'threads' lists/);
    expect(() => t.parse(Buffer.from('# only a header\n'), 'd.racesim')).toThrow(/^d\.racesim: no JSON case/);
    const bad = join(work, 'bad.racesim');
    writeFileSync(bad, '# iomap-sim fuzz corpus\n# target: race-sim\n# kind: finding\n# property: no-stale-io\n');
    return expect(replayFile(bad)).rejects.toThrow(/a finding needs '# hazard:'/);
  });

  it('a buffered read through a hole is the only violation counted as benign', () => {
    expect(benignViolation('buffered read of f0 [0x0, +0x1000) used type 0 addr 0xffffffffffffffff (mapping 0x0+0x1000, cookie 1) but the server has unwritten at 0x0')).toBe(true);
    expect(benignViolation('buffered read of f0 [0x0, +0x1000) used type 2 addr 0x0 (mapping 0x0+0x1000, cookie 1) but the server has hole')).toBe(false);
    expect(benignViolation('buffered write of f0 [0x0, +0x1000) used type 0 addr 0xffffffffffffffff (mapping 0x0+0x1000, cookie 1) but the server has mapped at 0x0')).toBe(false);
  });
});
