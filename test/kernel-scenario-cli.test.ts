// SPDX-License-Identifier: GPL-2.0-only
/* `iomap-sim run` on kernel scenarios: a trace with every layer's tracepoints, exit statuses, --revision. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-kernel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const file = (name: string, text: string) => {
  const f = join(work, name);
  writeFileSync(f, text);
  return f;
};

const SCENARIO =
  'device 1 size=0x40000000\ninode nodeid=7 ino=12 cache=off\n' +
  'server upsert read_offset=0 read_length=0x10000 read_type=mapped read_addr=0x100000 read_dev=1\nserver null\n' +
  'begin 0x2000 0x1000 write as=w\nopen-trunc\nrevalidate map=w\n';

describe('iomap-sim run on kernel scenarios', () => {
  it('traces every layer', () => {
    const f = file('a.scenario', SCENARIO);
    const trace = join(work, 'a.trace');
    const k = cli(['run', f, '--trace', trace]);
    expect(k.status).toBe(0);
    expect(k.stdout).toBe(cli(['run', f]).stdout);
    expect(k.stderr).toMatch(/stale-mapping-revalidated \[SPEC 8.1\] x1, first at line 7: mapping 0x2000\+0x1000 cookie 1 revalidated/);
    const names = readFileSync(trace, 'utf8').trim().split('\n').map((l) => / (fuse_\w+): /.exec(l)![1]);
    expect(names.slice(0, 4)).toEqual(['fuse_iomap_begin', 'fuse_iomap_upsert', 'fuse_iomap_cache_enable', 'fuse_iomap_cache_remove']);
    expect(names).toContain('fuse_iomap_open_truncate');
    expect(names.filter((n) => n === 'fuse_iomap_invalid')).toEqual([]); // the stale mapping passes
  });

  it('--json, --revision v7 and the exit statuses', () => {
    const f = file('b.scenario', SCENARIO);
    const j = cli(['run', f, '--json']);
    expect(j.stdout.trim().split('\n').map((l) => JSON.parse(l).cmd)).toEqual(['server upsert', 'server null', 'begin', 'open-trunc', 'revalidate']);
    expect(cli(['run', f, '--revision', 'v7']).status).toBe(0);
    expect(cli(['run', f, '--revision', 'v9']).status).toBe(2);
    expect(cli(['run', join(work, 'missing.scenario')]).status).toBe(2);
    const bad = cli(['run', file('c.scenario', 'begin 0 0x1000 sideways\n')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("c.scenario:1: OPFLAGS: unknown flag 'sideways'");
  });
});
