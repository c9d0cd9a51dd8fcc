// SPDX-License-Identifier: GPL-2.0-only
/*
 * A mapping that starts below 2^63 and ends past it (upsert never bounds
 * offset + length): the model keeps it, as the C does, flags the hazard,
 * and an invalidation to EOF leaves it in place without a seq bump.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-llong-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (text: string) => {
  const f = join(work, `s${Math.random().toString(36).slice(2)}.scenario`);
  writeFileSync(f, text);
  return spawnSync(process.execPath, [CLI, 'run', f], { encoding: 'utf8' });
};

describe('record-end-past-llong-max', () => {
  it('is flagged on the add and the record survives an invalidation to EOF with seq unchanged', () => {
    // 512-byte blocks, so that the invalidation does not round down to 0 (the erase-everything shortcut)
    const r = run('blocksize 512\nadd read 0x3ffffffffffff800 0x4000000000000a00 0xffffffffffffffff 0 0 0\ninvalidate 0x200 0xffffffffffffffff\ndump read\n');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['add 0 seq 1', 'invalidate 0 seq 1', 'fork read count 1 height 1 seq 1']);
    expect(r.stderr).toMatch(/record-end-past-llong-max \[SPEC 8\.3\] x1, first at line 2: cache_add read 0x3ffffffffffff800\+0x4000000000000a00 ends at 0x8000000000000200/);
  });

  it('is not flagged for a mapping that ends exactly at 2^63', () => {
    const r = run('add read 0x7ffffffffffff000 0x1000 0xffffffffffffffff 0 0 0\n');
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('record-end-past-llong-max');
  });
});
