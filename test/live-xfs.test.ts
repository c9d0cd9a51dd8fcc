// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live sessions against this machine's kernel (root: loop device, mount,
 * tracefs). Each workload replays with 0 divergences, 0 lost events, no
 * inode of unknown start, and leaves nothing mounted, attached or
 * instantiated. Runs when root with xfsprogs/fio installed; under CI=true
 * it always runs, and missing prerequisites fail it (outside CI without
 * them, the block is left out).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveXfs } from '../src/bridge/live-session.js';
import { liveCommand } from '../src/cli/live-command.js';
import { LiveError, findTool } from '../src/bridge/system.js';
import { Teardown } from '../src/bridge/teardown.js';
import { tracefsRoot } from '../src/bridge/tracefs.js';
import { replayStream } from '../src/trace/replay/run.js';
import { openTrace } from '../src/trace/parse/stream.js';
import { XFS_RAW_SCHEMAS } from '../src/trace/schema/xfs-events.js';
import { ROOT } from './paths.js';

// The command module, run as its own process (as main.js would run it once registered).
const LIVE_CLI = ['--input-type=module', '-e', `import { liveCommand } from '${join(ROOT, 'dist', 'src', 'cli', 'live-command.js')}'; process.exitCode = await liveCommand.run(process.argv.slice(1));`];

const CI = process.env.CI === 'true';
const root = process.getuid?.() === 0;
const tools = ['mkfs.xfs', 'xfs_io', 'fio', 'losetup'].filter((t) => !findTool(t));
// IOMAP_SIM_SKIP_LIVE=1 leaves them out of a developer's local run; under CI=true they always run
const runLive = CI || (root && tools.length === 0 && process.env.IOMAP_SIM_SKIP_LIVE !== '1');

/** What is left of a session's mount, loop device and instance (test files run in parallel: only its own). */
function leftovers(setup?: { image: string; mnt: string; instance: string }, mntPrefix?: string): string[] {
  const found: string[] = [];
  const mine = (s: string) => (setup ? s.includes(setup.mnt) || s.includes(setup.image) : mntPrefix ? s.includes(mntPrefix) : false);
  for (const l of readFileSync('/proc/mounts', 'utf8').split('\n')) if (mine(l)) found.push(`mounted: ${l}`);
  for (const l of execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n')) if (mine(l)) found.push(`loop: ${l}`);
  if (setup && existsSync(setup.instance)) found.push(`instance: ${setup.instance}`);
  return found;
}

/** The live mounts present now. */
const liveMounts = () => readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes('iomap-sim-live-')).map((l) => l.split(' ')[1]);

async function workload(script: string, minChecked: number, reader: 'text' | 'auto' = 'auto') {
  const r = await liveXfs({ command: ['sh', '-ec', script], stdio: 'pipe', reader });
  expect(r.exitCode, r.output).toBe(0);
  expect(r.report.first, r.report.first ? `${r.report.first.line}: ${r.report.first.what}\n${r.report.first.context.join('\n')}` : '').toBeNull();
  expect(r.report.divergences).toBe(0);
  expect(r.lostEvents).toBe(0);
  expect(r.report.unknownStart).toEqual([]);
  expect(r.report.problems).toBe(0);
  expect(r.report.checked).toBeGreaterThanOrEqual(minChecked);
  expect(r.cleanupErrors).toEqual([]);
  expect(leftovers(r.setup)).toEqual([]);
  return r;
}

describe.runIf(runLive)('live XFS sessions', () => {
  it('has its prerequisites (root, xfsprogs, fio, util-linux)', () => {
    expect(root, 'live tests need root').toBe(true);
    expect(tools, 'install xfsprogs fio').toEqual([]);
  });

  it("this kernel's xfs format files print what the xfs schemas expect", () => {
    const teardown = new Teardown();
    try {
      const base = tracefsRoot(teardown); // mounts tracefs if needed, undone below
      for (const s of XFS_RAW_SCHEMAS) {
        const fmt = readFileSync(`${base}/events/xfs/${s.name}/format`, 'utf8');
        expect(/^print fmt: "(.*?)", /m.exec(fmt)?.[1], s.name).toBe(s.format);
        for (const [field] of s.args) expect(fmt, `${s.name}.${field}`).toMatch(new RegExp(`field:[^;]* ${field};`));
      }
    } finally {
      expect(teardown.run()).toEqual([]);
    }
  });

  it('sequential appends with fsync (trace_pipe text reader)', async () => {
    // the command also copies the session's instance's trace_clock out (the instance is gone afterwards)
    const clock = join(tmpdir(), `iomap-sim-clock-${process.pid}`);
    rmSync(clock, { force: true });
    const copy = `for d in /sys/kernel/tracing/instances/iomap-sim-${process.pid}-*; do cat $d/trace_clock > ${clock}; done; `;
    const r = await workload(copy + 'f=$IOMAP_SIM_MNT/app; for i in $(seq 0 63); do xfs_io -f -c "pwrite -q $((i*65536)) 65536" -c fsync $f; done', 100, 'text');
    expect(r.reader).toBe('text');
    // one clock for all CPUs: the replay merges the CPUs' events by timestamp, and local (the default) need not agree across CPUs
    expect(readFileSync(clock, 'utf8')).toMatch(/\[global\]/);
    rmSync(clock, { force: true });
  });

  it('fio random writes, fallocate, fzero, fpunch, finsert, fcollapse', async () => {
    const r = await workload(
      'cd $IOMAP_SIM_MNT; fio --name=rw --filename=f --rw=randwrite --bs=4k --size=8m --ioengine=psync --end_fsync=1 --fallocate=none --randrepeat=1 --randseed=7 --output=/dev/null; ' +
        'xfs_io -c "falloc 8m 4m" -c "fzero 4096 65536" -c "fpunch 1m 12k" -c "fpunch 2m 12k" -c "fpunch 3m 40k" -c "finsert 0 4096" -c "fcollapse 8192 8192" -c "finsert 1m 65536" -c fsync f',
      1000,
    );
    expect(r.report.perEvent.xfs_iext_remove).toBeGreaterThan(0);
    expect(r.report.perEvent.xfs_bmap_post_update).toBeGreaterThan(100);
  });

  it('fio at full speed, 256 MiB of buffered random writes: the ioend CPU goes idle with its page withheld', async () => {
    // the unwritten-extent conversions run on whichever CPU completes the ioend; that CPU often
    // logs a few events and goes idle, its partly filled page withheld from trace_pipe_raw until
    // the end: the merge must hold the other CPU's later events (this diverged on forkseq before)
    const r = await workload('fio --name=rw --filename=$IOMAP_SIM_MNT/f --rw=randwrite --bs=4k --size=256m --ioengine=psync --end_fsync=1 --randseed=1 --output=/dev/null', 200);
    expect(r.report.events).toBeGreaterThan(60_000);
    expect(r.report.perEvent.xfs_bmap_post_update).toBeGreaterThan(50);
  }, 60_000);

  it('a reflinked copy overwritten (COW fork)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'iomap-sim-cow-'));
    const out = join(dir, 'cow.trace');
    try {
      const r = await liveXfs({
        command: ['sh', '-ec', 'cd $IOMAP_SIM_MNT; xfs_io -f -c "pwrite -q -S 0x61 0 1m" -c fsync src; cp --reflink=always src dst; xfs_io -c "pwrite -q -S 0x62 64k 128k" -c fsync -c "pwrite -q 512k 4k" -c "pwrite -q 900k 8k" -c fsync dst'],
        stdio: 'pipe',
        capture: out,
      });
      expect(r.exitCode, r.output).toBe(0);
      expect(r.report.divergences, r.report.first?.what).toBe(0);
      expect(r.lostEvents).toBe(0);
      expect(r.report.unknownStart).toEqual([]);
      expect(r.report.inodesChecked).toBe(2);
      const text = readFileSync(out, 'utf8');
      expect(text).toMatch(/xfs_iext_insert: .* state [^ ]*COW/);
      // the saved capture replays the same way
      const again = await replayStream(openTrace(out).stream, out, {});
      expect(again.divergences).toBe(0);
      expect(again.checked).toBe(r.report.checked);
      expect(leftovers(r.setup)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('direct I/O into preallocated space', async () => {
    const r = await workload('xfs_io -f -c "falloc 0 4m" -c fsync -d -c "pwrite -q -b 64k 0 2m" -c "pwrite -q -b 4k 3m 64k" -c fsync $IOMAP_SIM_MNT/f', 50);
    expect(r.report.perEvent.xfs_bmap_post_update).toBeGreaterThan(20);
  });

  it('tears everything down when the command cannot start', async () => {
    const err = await liveXfs({ command: ['/nonexistent/iomap-sim-cmd'], stdio: 'pipe' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveError);
    const setup = (err as LiveError).setup;
    expect(setup, 'it got as far as mounting').toBeDefined();
    expect(leftovers(setup)).toEqual([]);
    expect(existsSync(setup!.image)).toBe(false);
  });

  it('the CLI: last line summarises; Ctrl-C tears down and exits 130', async () => {
    // (with --race-window, the replay's window for unlocked sequence reads, here wider than the default)
    const out = execFileSync(process.execPath, [...LIVE_CLI, 'xfs', '--race-window', '250', '--', 'sh', '-c', 'xfs_io -f -c "pwrite -q 0 1m" -c fsync $IOMAP_SIM_MNT/f'], { encoding: 'utf8' });
    expect(out.trim().split('\n').at(-1)).toMatch(/^live xfs: \d+ events seen, 1 inodes checked, 0 unknown start, 0 divergences, 0 lost events$/);
    // a bad window is a usage error before any session starts
    await expect(liveCommand.run(['xfs', '--race-window', 'soon', '--', 'true'])).rejects.toThrow(/--race-window: 'soon' is not a number of microseconds/);

    const before = new Set(liveMounts());
    const child = spawn(process.execPath, [...LIVE_CLI, 'xfs', '--', 'sh', '-c', 'touch $IOMAP_SIM_MNT/ready; sleep 20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // wait for its mount to be up, then interrupt
    let mnt: string | undefined;
    for (let i = 0; i < 200 && !mnt; i++) {
      mnt = liveMounts().find((m) => !before.has(m));
      if (!mnt) await new Promise((r) => setTimeout(r, 25));
    }
    expect(mnt, 'the session mounted its XFS').toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(130);
    expect(err).toContain('session torn down');
    expect(leftovers(undefined, mnt!.replace(/\/mnt$/, ''))).toEqual([]);
  });
});
