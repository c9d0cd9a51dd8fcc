#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builds the native tracefs reader (binding.gyp) with node-gyp.
 * `npm install` runs it without --required: when libtracefs/libtraceevent
 * or a compiler is missing it says what to install and exits 0, so that
 * installing iomap-sim never fails on it (live sessions then read
 * trace_pipe text). `npm run build:native` (CI) passes --required and fails
 * when the addon cannot be built.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const required = process.argv.includes('--required');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HINT = 'apt-get install libtracefs-dev libtraceevent-dev pkg-config g++ make python3, then npm run build:native';

function skip(why) {
  const msg = `iomap-sim: native tracefs reader not built: ${why}\n  (${HINT}; until then live sessions read trace_pipe text)\n`;
  process.stderr.write(msg);
  process.exit(required ? 1 : 0);
}

const pc = spawnSync('pkg-config', ['--exists', 'libtracefs', 'libtraceevent']);
if (pc.error || pc.status !== 0) skip('pkg-config finds no libtracefs/libtraceevent');

let gyp;
try {
  gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  skip('node-gyp is not installed (it is a devDependency)');
}

const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: required ? 'inherit' : ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) skip(`node-gyp rebuild failed (status ${r.status})`);
process.stderr.write('iomap-sim: native tracefs reader built (build/Release/iomap_sim_tracefs.node)\n');
