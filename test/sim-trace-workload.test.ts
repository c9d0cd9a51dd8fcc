// SPDX-License-Identifier: GPL-2.0-only
/* A captured trace as a workload: each logged ->iomap_begin becomes one request on its inode's file. */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { simulate } from '../src/sim/index.js';
import { TraceWorkloadError, workloadFromTrace } from '../src/sim/workload/trace.js';
import { CLI, SHARED } from './paths.js';

const XFS = join(SHARED, 'fixtures', 'xfs-live', 'fio-randwrite-punch-collapse.trace');
const work = mkdtempSync(join(tmpdir(), 'iomap-sim-tracewl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fuseLine = (us: number, nodeid: number, opflags: string, pos: number, count: number) =>
  `         fuse2fs-4242    [000] ..... ${(100 + us / 1e6).toFixed(6)}: fuse_iomap_begin: connection 1 ino ${nodeid + 5} nodeid ${nodeid} isize 0x0 opflags (${opflags}) pos 0x${pos.toString(16)} count 0x${count.toString(16)}`;

describe('trace workloads', () => {
  it('xfs: every xfs_iomap_found/alloc becomes a buffered write at its pos and bytecount, in trace order', async () => {
    const lines = readFileSync(XFS, 'utf8').split('\n').filter((l) => / xfs_iomap_(found|alloc): /.test(l));
    const t = await workloadFromTrace(createReadStream(XFS), XFS);
    expect(t.requests).toBe(lines.length);
    const ops = t.workload.threads[0].ops;
    lines.forEach((l, i) => {
      const pos = parseInt(/ pos 0x([0-9a-f]+)/.exec(l)![1], 16);
      const len = parseInt(/ bytecount 0x([0-9a-f]+)/.exec(l)![1], 16);
      expect(ops[i]).toEqual({ op: 'write', file: 0, off: pos, len, direct: false });
    });
    const run = simulate({ workload: t.workload, policy: 'seed', seed: 1, timing: false });
    expect(run.totals.ios).toBe(lines.length);
  });

  it('fuse: opflags decide read/write and direct; REPORT asks for no I/O; files by nodeid', async () => {
    const text = [fuseLine(1, 7, 'write', 0, 0x1000), fuseLine(2, 7, 'direct', 0x8000, 0x2000), fuseLine(3, 9, 'report', 0, 0x1000), fuseLine(4, 9, 'zero', 0x1000, 0x1000), 'garbage line'].join('\n') + '\n';
    const t = await workloadFromTrace(Readable.from([text]), 'f.trace');
    expect(t.workload.threads[0].ops).toEqual([
      { op: 'write', file: 0, off: 0, len: 0x1000, direct: false },
      { op: 'read', file: 0, off: 0x8000, len: 0x2000, direct: true },
      { op: 'write', file: 1, off: 0x1000, len: 0x1000, direct: false },
    ]);
    expect(t.workload.files.map((f) => f.size)).toEqual([0xa000, 0x2000]);
    expect(t.stats.problems).toBe(1);
  });

  it('a trace without iomap_begin events is an error naming the file and the first unreadable line', async () => {
    const err = await workloadFromTrace(Readable.from(['nonsense\n']), 'g.trace').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceWorkloadError);
    expect((err as Error).message).toContain('g.trace: no fuse_iomap_begin, xfs_iomap_found or xfs_iomap_alloc events');
    expect((err as Error).message).toContain('g.trace:1: ');
  });

  it('simulate TRACE from the CLI: the table row, exit 1 on a trace without requests', () => {
    const out = join(work, 'out');
    const ok = spawnSync(process.execPath, [CLI, 'simulate', XFS, '--policy', 'seed', '--out', out], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/fio-randwrite-punch-collapse\.trace\s+rfc-v3\s+seed\s+2,048/);
    const bad = join(work, 'bad.trace');
    writeFileSync(bad, 'nothing here\n');
    const r = spawnSync(process.execPath, [CLI, 'simulate', bad, '--policy', 'seed', '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.trace: no fuse_iomap_begin');
  });
});
