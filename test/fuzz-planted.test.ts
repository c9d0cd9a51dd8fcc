// SPDX-License-Identifier: GPL-2.0-only
/*
 * Planted bugs (src/fuzz/planted.ts): for each, a copy of dist/ with that
 * one mutation, and the target that should notice run against it through
 * the CLI (`fuzz --until-failure`, 60 s budget, fixed seed). It must end
 * with a failure of the expected property, found within 60 s. The
 * unmutated build is the control: the same runs find no failure (the
 * fixed-seed campaign tests cover that).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLANTED_BUGS, applyMutation, plantedBuild } from '../src/fuzz/planted.js';
import { ROOT } from './paths.js';

describe('planted bugs are caught by their target within 60 s', () => {
  for (const bug of PLANTED_BUGS) {
    it(`${bug.id}: ${bug.what} -> ${bug.target} finds ${bug.property}`, () => {
      const dir = plantedBuild(ROOT, bug);
      try {
        // the copy really carries the mutation
        if (bug.to) expect(readFileSync(join(dir, 'dist', bug.file), 'utf8')).toContain(bug.to);
        expect(readFileSync(join(dir, 'dist', bug.file), 'utf8')).not.toContain(bug.from);
        const r = spawnSync(
          process.execPath,
          [join(dir, 'dist', 'src', 'cli', 'main.js'), 'fuzz', '--target', bug.target, '--seconds', '60', '--seed', '1', '--until-failure', '--no-coverage', '--quiet', '--corpus', join(dir, 'corpus')],
          { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000 },
        );
        expect(r.status, r.stdout + r.stderr).toBe(1);
        const m = new RegExp(`^failure ${bug.property}: (\\d+) operations?, found after ([\\d.]+) s \\((\\d+) executions\\)`, 'm').exec(r.stdout);
        expect(m, r.stdout).not.toBeNull();
        expect(Number(m![2])).toBeLessThan(60);
        if (process.env.IOMAP_SIM_PLANTED_REPORT) console.log(`planted ${bug.id}: ${bug.target} found ${bug.property} after ${m![2]} s, ${m![3]} executions, ${m![1]} operations`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 150_000);
  }

  it('a mutation whose text is not there fails loudly', () => {
    const bug = { ...PLANTED_BUGS[0], from: 'this text is not in the compiled model' };
    expect(() => applyMutation(join(ROOT, 'dist'), bug)).toThrow(/planted bug update-extent-no-seq-bump: the mutation text was not found in .*tree\.js/);
  });
});
