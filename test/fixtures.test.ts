// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every reference run of the seed's C in ../shared/fixtures/fuse-cache must
 * come out of `iomap-sim run` identically: .out byte for byte, .trace event
 * for event (all but the line prefix, the caller symbol and the printed leaf
 * pointer), and the leaf pointers separately, as a one-to-one map between
 * the fixture's pointers and the model's leaves over each leaf's lifetime.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { CLI, FIXTURES } from './paths.js';
import { expectLeafIdentity, expectSameEvents, type ModelItem, parseTraceLine, seedLabels } from './trace-compare.js';

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.scenario'))
  .map((f) => f.slice(0, -'.scenario'.length))
  .sort();

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-fixtures-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fuse-cache fixtures through `iomap-sim run`', () => {
  it('finds the fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of names) {
    it(`${name}: .out byte for byte, .trace event for event`, () => {
      const traceFile = join(work, `${name}.trace`);
      const out = execFileSync(process.execPath, [CLI, 'run', join(FIXTURES, `${name}.scenario`), '--trace', traceFile], {
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const expectedOut = readFileSync(join(FIXTURES, `${name}.out`));
      expect(Buffer.compare(out, expectedOut), `${name}.out differs`).toBe(0);

      const ours = readFileSync(traceFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l, i) => parseTraceLine(l, `model trace line ${i + 1}`));
      const theirs = readFileSync(join(FIXTURES, `${name}.trace`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l, i) => seedLabels(parseTraceLine(l, `${name}.trace:${i + 1}`)));
      expectSameEvents(`${name}.trace`, ours, theirs);
    });
  }
});

describe('leaf identity against the fixture pointers', () => {
  for (const name of names) {
    it(`${name}: model leaves map one-to-one onto the fixture's leaf pointers`, () => {
      const sc = parseScenario(readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8'), name);
      const stream: ModelItem[] = [];
      runScenario(sc, { sink: (ev) => stream.push({ ev }), onAlloc: (_f, alloc) => stream.push({ alloc }) });
      const theirs = readFileSync(join(FIXTURES, `${name}.trace`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l, i) => parseTraceLine(l, `${name}.trace:${i + 1}`));

      const { bindings, moves } = expectLeafIdentity(`${name}.trace`, stream, theirs);
      expect(bindings).toBeGreaterThan(0);
      if (moves === 0) expect(name).toMatch(/^(deep|grow)/); // small profiles grow a height-1 root
    });
  }
});
