// SPDX-License-Identifier: GPL-2.0-only
/*
 * The built-in suite that `iomap-sim simulate` runs when it is given no job:
 * the .fio files beside this module (in src/sim/suite, found from the
 * package root so that it works from dist/ and from the sources), run under
 * both kernel revisions the project models.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportJob } from '../report/data.js';

/** The suite's jobs, in report order: file name (without .fio) = job name. */
export const SUITE_JOBS: readonly string[] = [
  'seq-write-reread',
  'random-overwrite',
  'unwritten-conversion',
  'racing-writeback',
  'truncate-rewrite',
  'append-many-files',
];

/** Revisions the suite compares (the seed RFC and the v7 series). */
export const SUITE_REVISIONS: readonly string[] = ['rfc-v3', 'v7'];

/** Seed of the built-in run unless --seed says otherwise. */
export const SUITE_SEED = 1;

/** The package root: the first directory up from here holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('iomap-sim: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const SUITE_DIR = join(packageRoot(), 'src', 'sim', 'suite');

export function suiteJobs(): ReportJob[] {
  return SUITE_JOBS.map((name) => ({ name, text: readFileSync(join(SUITE_DIR, `${name}.fio`), 'utf8') }));
}
