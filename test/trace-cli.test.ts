// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace/replay CLI modules (run as their own process, as main.js will
 * once they are registered): exit statuses, FILE:LINE for unreadable
 * lines, the first divergence named with its line, usage errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/command.js';
import { replayCommand, traceCommand } from '../src/cli/trace-command.js';
import { FIXTURES, ROOT } from './paths.js';

const MODULE = join(ROOT, 'dist', 'src', 'cli', 'trace-command.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', `import { traceCommand } from '${MODULE}'; process.exitCode = await traceCommand.run(process.argv.slice(1));`, ...args], { encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'iomap-sim-trace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iomap-sim trace', () => {
  it('parse: counts, FILE:LINE for each unreadable line, exit 1 when there is one', () => {
    const f = join(dir, 'mixed.trace');
    const lines = readFileSync(join(FIXTURES, 'merge-21.trace'), 'utf8').split('\n');
    lines.splice(3, 0, 'this is not a trace line');
    writeFileSync(f, lines.join('\n'));
    const r = run('parse', f);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${f}:4: not an ftrace event line`);
    expect(r.stdout).toMatch(/^ {2}fuse_iomap_cache_remove \d+$/m);
    const ok = run('parse', join(FIXTURES, 'merge-21.trace'));
    expect(ok.status).toBe(0);
  });

  it('replay: 0 divergences with the fixture geometry, exit 0', () => {
    const r = run('replay', join(FIXTURES, 'merge-21.trace'), '--blocksize', '1024', '--quiet');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/ 0 divergences, 0 lost events/);
  });

  it('diff: a wrong block size diverges at the first rounded invalidation, exit 1', () => {
    const r = run('diff', join(FIXTURES, 'merge-21.trace'), '--blocksize', '4096', '--quiet');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^first divergence at .*merge-21\.trace:\d+ \(fuse_iomap_cache_remove, connection 1 ino 12\): field/m);
    expect(r.stdout).toContain('  context:');
  });

  it('replay and diff with the parse thread: the same report and status as without it', () => {
    for (const args of [
      ['replay', join(FIXTURES, 'merge-21.trace'), '--blocksize', '1024', '--quiet'],
      ['diff', join(FIXTURES, 'merge-21.trace'), '--blocksize', '4096', '--quiet'],
      ['replay', join(FIXTURES, 'grow-52.trace'), '--quiet', '--json'],
    ]) {
      const off = run(...args, '--parse-thread', 'off');
      const on = run(...args, '--parse-thread', 'on');
      expect(off.stdout.length).toBeGreaterThan(100);
      expect(on.stdout).toBe(off.stdout);
      expect(on.status).toBe(off.status);
    }
  });

  it('replay --race-window (xfs): a window too narrow for the capture diverges at the sequence read it misses, exit 1', () => {
    // the capture with its first forkseq read (line 4548, 0x832) made to read 0x831: the fork's value until the bump
    // to 0x832, traced 80 µs before the read (test/replay-xfs.test.ts)
    const lines = readFileSync(join(FIXTURES, '..', 'xfs-live', 'fio-randwrite-punch-collapse.trace'), 'utf8').split('\n');
    expect(lines[4547]).toContain('xfs_wb_data_iomap_invalid');
    lines[4547] = lines[4547].replace(' forkseq 0x832', ' forkseq 0x831');
    const xfs = join(dir, 'older-forkseq.trace');
    writeFileSync(xfs, lines.join('\n'));
    const narrow = run('replay', xfs, '--dialect', 'xfs', '--race-window', '50');
    expect(narrow.status).toBe(1);
    expect(narrow.stdout).toMatch(/first divergence at [^\n]*:4548 \(xfs_wb_data_iomap_invalid, [^)]*\): forkseq: trace 0x831, model 0x832 \(no value within 50 µs before, nor a mutation to it traced within 20050 µs after\)/);
    const wide = run('replay', xfs, '--dialect', 'xfs', '--race-window', '100');
    expect(wide.status, wide.stdout).toBe(0);
    expect(wide.stdout.trim().split('\n').at(-1)).toMatch(/ 190 sequence values predicted \(2 racing a mutation\), .* 0 divergences, 0 lost events/);
  });

  it('bad usage is a UsageError', async () => {
    await expect(replayCommand.run([join(FIXTURES, 'merge-21.trace'), '--race-window', '3.5'])).rejects.toThrow(/--race-window: '3.5' is not a number of microseconds/);
    await expect(replayCommand.run([join(FIXTURES, 'merge-21.trace'), '--parse-thread', 'yes'])).rejects.toThrow(/--parse-thread: 'yes' is not on or off/);
    expect(() => traceCommand.run(['bogus'])).toThrow(UsageError);
    expect(() => traceCommand.run(['parse'])).toThrow(UsageError);
    await expect(replayCommand.run(['x', 'y'])).rejects.toThrow(UsageError);
    await expect(replayCommand.run([join(dir, 'missing.trace')])).rejects.toThrow(UsageError);
    await expect(replayCommand.run([join(FIXTURES, 'merge-21.trace'), '--dialect', 'ext4'])).rejects.toThrow(/--dialect: 'ext4'/);
    await expect(replayCommand.run([join(FIXTURES, 'merge-21.trace'), '--blocksize', 'x'])).rejects.toThrow(/--blocksize: 'x' is not a number/);
  });
});
