// SPDX-License-Identifier: GPL-2.0-only
/* `revisions diff JOB.fio`: the simulator under two revisions, per policy, every differing metric listed. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { revisionByName } from '../src/cache/revision.js';
import { diffJob, looksLikeJob } from '../src/cli/revisions-job.js';
import { simulate } from '../src/sim/index.js';
import { CLI } from './paths.js';

const JOB = '[w]\nrw=randwrite\nbs=4k\nsize=256k\nrandseed=3\n';
const work = mkdtempSync(join(tmpdir(), 'iomap-sim-revjob-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('revisions diff on a fio job', () => {
  it('tells jobs from scenarios', () => {
    expect(looksLikeJob(JOB, 'x.txt')).toBe(true);
    expect(looksLikeJob('add read 0 0x1000 0x1000 mapped 0 1\n', 'a.scenario')).toBe(false);
    expect(looksLikeJob('', 'empty.fio')).toBe(true);
  });

  it('lists exactly the metrics that differ between the two revisions’ runs', () => {
    const a = revisionByName('rfc-v3')!;
    const b = revisionByName('v7')!;
    const d = diffJob(JOB, 'w.fio', a, b, ['seed', 'no-cache'], 5);
    expect(d.figures.map((f) => `${f.revision} ${f.policy}`)).toEqual(['rfc-v3 seed', 'rfc-v3 no-cache', 'v7 seed', 'v7 no-cache']);
    for (const policy of ['seed', 'no-cache']) {
      const ra = simulate(JOB, policy, { revision: 'rfc-v3', seed: 5, jobName: 'w', timing: false }).totals;
      const rb = simulate(JOB, policy, { revision: 'v7', seed: 5, jobName: 'w', timing: false }).totals;
      const listed = d.differences.filter((x) => x.policy === policy);
      expect(listed.some((x) => x.metric === 'upcalls')).toBe(ra.upcalls !== rb.upcalls);
      const up = listed.find((x) => x.metric === 'upcalls');
      if (up) expect([up.a, up.b]).toEqual([ra.upcalls, rb.upcalls]);
      expect(listed.some((x) => x.metric === 'kernel bytes')).toBe(ra.kernelBytes !== rb.kernelBytes);
    }
  });

  it('the CLI: exit 1 when a metric differs, 0 when the same revision is compared, FILE:LINE for a bad job', () => {
    const f = join(work, 'w.fio');
    writeFileSync(f, JOB);
    const same = spawnSync(process.execPath, [CLI, 'revisions', 'diff', f, '--a', 'v7', '--b', 'v7', '--policy', 'seed'], { encoding: 'utf8' });
    expect(same.status).toBe(0);
    expect(same.stdout).toContain('no metric differs');
    const bad = join(work, 'bad.fio');
    writeFileSync(bad, '[w]\nrw=sideways\n');
    const r = spawnSync(process.execPath, [CLI, 'revisions', 'diff', bad, '--policy', 'seed'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.fio:2: .*rw/);
  });
});
