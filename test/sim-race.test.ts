// SPDX-License-Identifier: GPL-2.0-only
/*
 * The racing-actors scheduler: seeded interleavings of application
 * threads, writeback and I/O completion, the stale-mapping invariant at
 * every use, shortest schedules and replayable scenarios.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './paths.js';
import { race, replayScenario, simulate } from '../src/sim/index.js';

// One buffered writer overwriting preallocated space twice while writeback
// and ioend conversion run beside it.
const WRITER_VS_IOEND = '[w]\nrw=write\nbs=64k\nsize=256k\nloops=2\nfallocate=native\nsim_writeback_every=1\n';
// A writer and a thread that reopens the same file with O_TRUNC.
const WRITER_VS_OTRUNC =
  '[global]\nfilename=shared\nsize=256k\noverwrite=1\nsim_writeback_every=0\n[writer]\nrw=write\nbs=64k\n[truncator]\nrw=write\nbs=4k\nio_size=8k\nsim_otrunc_every=1\n';
// The same with ftruncate to 0 instead of O_TRUNC.
const WRITER_VS_TRUNCATE0 = WRITER_VS_OTRUNC.replace('sim_otrunc_every=1', 'sim_truncate_every=1\nsim_truncate_to=0');

describe('race search', () => {
  it('one writer racing ioend conversion: the seed cookie check leaves no violation', () => {
    const r = race(WRITER_VS_IOEND, 'seed', { seed: 1, attempts: 60 });
    expect(r.attempts).toBe(60);
    expect(r.violation).toBeNull();
  });

  it('the same race with revalidation off: a stale unwritten mapping is used at once', () => {
    const r = race(WRITER_VS_IOEND, 'no-revalidate', { seed: 1, attempts: 60 });
    expect(r.foundAt).toBe(0);
    expect(r.violation!.what).toMatch(/^buffered write of w\.0\.0 \[0x[0-9a-f]+, \+0x1000\) used type 3 .* but the server has mapped/);
    // the schedule interleaves the writer with both workers
    expect(new Set(r.violation!.schedule)).toEqual(new Set(['w.0', 'writeback', 'ioend']));
    const replay = replayScenario(r.violation!.replay);
    expect(replay.violations[0].what).toBe(r.violation!.what);
    expect(replay.violations[0].schedule).toEqual(r.violation!.schedule);
  });

  it('O_TRUNC empties the fork without a sequence bump: the seed revalidates a stale mapping', () => {
    const r = race(WRITER_VS_OTRUNC, 'seed', { seed: 1, attempts: 100 });
    expect(r.violation).not.toBeNull();
    expect(r.violation!.what).toMatch(/^buffered write of shared .* but the server has hole/);
    const s = r.violation!.schedule;
    expect(s.length).toBeLessThanOrEqual(8);
    // the kernel scenario: setup, the server scripted before each upcall, the O_TRUNC, the revalidation that passed
    const lines = r.violation!.scenario.split('\n');
    expect(lines).toContain('conn');
    expect(lines.filter((l) => l.startsWith('open-trunc nodeid=2')).length).toBeGreaterThanOrEqual(1);
    const bad = lines.findIndex((l) => l.startsWith('# VIOLATION: buffered write'));
    expect(bad).toBeGreaterThan(0);
    expect(lines[bad - 1]).toMatch(/^revalidate map=m\d+$/);
    // every upcall's answer is scripted before it: fuse2fs's upsert, then NULL
    const firstBegin = lines.findIndex((l) => l.startsWith('begin '));
    expect(lines[firstBegin - 2]).toMatch(/^server upsert nodeid=2 attr_ino=2 read_offset=0x0 read_length=0x40000 .*read_type=2 /);
    expect(lines[firstBegin - 1]).toBe('server null offset=0x0 length=0x40000');
    const replay = replayScenario(r.violation!.replay);
    expect(replay.violations).toHaveLength(1);
    expect(replay.hazards['erase-all-no-seq-bump']).toBeGreaterThan(0);
    // src/iomap's revalidation notices the mapping it let through is no longer cached
    expect(replay.hazards['stale-mapping-revalidated']).toBe(1);
  });

  it('the kernel scenario of the O_TRUNC race replays in `iomap-sim run` with the same hazards', () => {
    const r = race(WRITER_VS_OTRUNC, 'seed', { seed: 1, attempts: 100 });
    const file = join(mkdtempSync(join(tmpdir(), 'sim-race-')), 'otrunc.scenario');
    writeFileSync(file, r.violation!.scenario);
    const out = spawnSync(process.execPath, [CLI, 'run', file], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    // the revalidation just before the violation passes, and the kernel model flags it
    expect(lines.some((l) => /^revalidate result valid .*hazards stale-mapping-revalidated/.test(l))).toBe(true);
    expect(lines.some((l) => /^open-trunc .*hazards erase-all-no-seq-bump/.test(l))).toBe(true);
    expect(out.stderr).toMatch(/stale-mapping-revalidated \[SPEC 8\.1\] x1, first at line \d+/);
  });

  it('truncate to 0 takes the same shortcut', () => {
    const r = race(WRITER_VS_TRUNCATE0, 'seed', { seed: 1, attempts: 100 });
    expect(r.violation).not.toBeNull();
    expect(replayScenario(r.violation!.replay).hazards['erase-all-no-seq-bump']).toBeGreaterThan(0);
  });

  it('with the sequence bumped on erase-all (SPEC 8.1 fix) neither truncation race is found', () => {
    expect(race(WRITER_VS_OTRUNC, 'seed-erase-bump', { seed: 1, attempts: 100 }).violation).toBeNull();
    expect(race(WRITER_VS_TRUNCATE0, 'seed-erase-bump', { seed: 1, attempts: 100 }).violation).toBeNull();
  });

  it('the per-range counter catches the erase too', () => {
    expect(race(WRITER_VS_OTRUNC, 'per-range', { seed: 1, attempts: 100 }).violation).toBeNull();
  });

  it('a plain simulate() run reports violations with their schedule and scenario', () => {
    let found = null;
    for (let seed = 1; seed < 40 && !found; seed++) {
      const r = simulate(WRITER_VS_OTRUNC, 'seed', { seed, timing: false });
      if (r.violations.length) found = r;
    }
    expect(found).not.toBeNull();
    const v = found!.violations[0];
    expect(found!.totals.staleViolations).toBeGreaterThanOrEqual(1);
    expect(replayScenario(v.replay!).violations[0].what).toBe(v.what);
  });

  it('a defragmenting server: cookies catch moved blocks under buffered writes, direct reads use them anyway', () => {
    // no writeback, so buffered writes are the only users of cached mappings
    const w = simulate('[w]\nrw=randwrite\nbs=4k\nsize=1m\noverwrite=1\nsim_writeback_every=0\nsim_defrag_every=64\n', 'seed', { seed: 1 });
    expect(w.totals.invalidations).toBe(4);
    expect(w.totals.staleViolations).toBe(0);
    // direct I/O is not revalidated: a read mapped before the move reads the old blocks
    const r = race('[r]\nrw=randread\nbs=4k\nsize=1m\ndirect=1\nsim_defrag_every=64\n', 'seed', { seed: 1, attempts: 20 });
    expect(r.violation!.what).toMatch(/^direct read of r\.0\.0 .* used type 2 .* but the server has mapped at/);
    expect(r.violation!.schedule.slice(-2)).toEqual(['defrag', 'r.0']);
  });

  it('whole-file server invalidation goes through the erase-everything shortcut', () => {
    const r = simulate('[w]\nrw=randwrite\nbs=4k\nsize=1m\noverwrite=1\nsim_writeback_every=0\nsim_defrag_every=64\n', 'inval-file', { seed: 1 });
    expect(r.hazards['erase-all-no-seq-bump']).toBe(4);
    expect(r.totals.staleViolations).toBeGreaterThan(0);
  });

  it('rejects malformed scenario files with a reason', () => {
    expect(() => replayScenario('{')).toThrow(/scenario: not JSON/);
    expect(() => replayScenario('{"format":"x"}')).toThrow(/format 'x' is not iomap-sim-schedule\/1/);
    expect(() => replayScenario('{"format":"iomap-sim-schedule/1","schedule":[1]}')).toThrow(/list of actor names/);
  });
});
