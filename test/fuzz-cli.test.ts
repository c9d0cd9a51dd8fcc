// SPDX-License-Identifier: GPL-2.0-only
/* `iomap-sim fuzz` on the built CLI: exit statuses, corpus writing, --strict, workers, usage errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-fuzz-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fuzz(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'fuzz', ...args], { encoding: 'utf8', cwd: work, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('iomap-sim fuzz', () => {
  it('writes findings into the corpus and exits 0; --strict makes them fail', () => {
    const dir = join(work, 'c1');
    const r = fuzz(['--target', 'cache', '--runs', '800', '--seed', '5', '--corpus', dir, '--quiet', '--no-feedback']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fuzz: target cache, revision rfc-v3, seed 5, 1 worker, 800 executions, corpus /m);
    expect(r.stdout).toMatch(/^finding cookie-soundness\/erase-all-no-seq-bump: \d operations?, found after/m);
    expect(r.stdout).toMatch(/^summary: 800 executions in [\d.]+ s \(\d+\/s\)/m);
    expect(r.stdout).toMatch(/^ {2}failures: 0$/m);
    expect(r.stdout).toMatch(/^ {2}coverage: \d+\/\d+ blocks, \d+\/\d+ functions of the model$/m);
    const files = readdirSync(dir);
    const cookie = files.find((f) => f.startsWith('cache-cookie-soundness-erase-all-no-seq-bump-'));
    expect(cookie).toBeDefined();
    expect(readFileSync(join(dir, cookie!), 'utf8')).toMatch(/^# kind: finding$/m);
    // a second run does not write the same findings again
    const again = fuzz(['--target', 'cache', '--runs', '800', '--seed', '5', '--corpus', dir, '--quiet', '--no-coverage']);
    expect(again.stdout).toMatch(/reproducer: already in /);
    expect(readdirSync(dir).length).toBe(files.length);
    const strict = fuzz(['--target', 'cache', '--runs', '800', '--seed', '5', '--corpus', join(work, 'c2'), '--quiet', '--strict', '--no-coverage']);
    expect(strict.status).toBe(1);
  });

  it('runs worker threads, reports coverage of the model and biases generation toward what is not reached', () => {
    const r = fuzz(['--target', 'tree', '--runs', '200', '--seed', '9', '--workers', '2', '--corpus', join(work, 'c3')]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/2 workers, 200 executions/);
    expect(r.stdout).toMatch(/^summary: 200 executions/m);
    expect(r.stdout).toMatch(/coverage feedback:\n {4}worker \d after round 0: not fully reached .*; odd rounds raise /);
    expect(r.stdout).toMatch(/coverage: \d+\/\d+ blocks/);
    // the status line (stderr is not a terminal here: one line per update)
    expect(r.stderr).toMatch(/\[tree\] [\d.]+ s {2}2 workers {2}execs \d+ \(\d+\/s\) {2}failures 0 {2}findings 0/);
  });

  it('honours --revision', () => {
    const r = fuzz(['--target', 'cache', '--runs', '300', '--seed', '1', '--revision', 'v7', '--no-coverage', '--quiet', '--corpus', join(work, 'c4')]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/revision v7/);
  });

  it('rejects bad usage with status 2', () => {
    for (const [args, msg] of [
      [[], /fuzz needs --target/],
      [['--target', 'nope'], /unknown target 'nope' \(known: tree, cache, parser, protocol, race, race-sim\)/],
      [['--target', 'cache', '--workers', '0'], /--workers '0' must be a positive integer/],
      [['--target', 'cache', '--seconds', 'x'], /--seconds 'x' must be a positive number/],
      [['--target', 'cache', '--revision', 'v99'], /unknown revision 'v99'/],
    ] as const) {
      const r = fuzz([...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
