// SPDX-License-Identifier: GPL-2.0-only
/* Where tests find the built CLI and ../shared (override with IOMAP_SIM_SHARED). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = process.env.IOMAP_SIM_SHARED ?? resolve(ROOT, '..', 'shared');
export const FIXTURES = join(SHARED, 'fixtures', 'fuse-cache');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

if (!existsSync(FIXTURES)) throw new Error(`fixtures not found at ${FIXTURES}: clone with ../shared beside the repository or set IOMAP_SIM_SHARED`);
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm test\` (it builds first) or \`npm run build\``);
