// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuse-dialect replay of every ../shared/fixtures/fuse-cache trace from the
 * trace alone (block size and s_maxbytes from the scenario header, as
 * options): 0 divergences, every event checked. A corrupted copy of each
 * (one field changed, one event dropped, one leaf pointer swapped) is
 * caught at the corrupted event.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { replayStream } from '../src/trace/replay/run.js';
import { CLI, FIXTURES } from './paths.js';

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.trace'))
  .map((f) => f.slice(0, -'.trace'.length))
  .sort();

function options(name: string) {
  const sc = readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8');
  return { dialect: 'fuse' as const, blockSize: BigInt(/^blocksize (\S+)/m.exec(sc)![1]), maxBytes: BigInt.asIntN(64, BigInt(/^maxbytes (\S+)/m.exec(sc)![1])) };
}

const replayText = (lines: string[], name: string) => replayStream(Readable.from([Buffer.from(lines.join('\n') + '\n')]), `${name}.trace`, options(name));

/** A deterministic pick among the lines that satisfy pred, from the middle of the file. */
function pick(lines: string[], pred: (l: string, i: number) => boolean): number {
  const hits = lines.map((l, i) => (pred(l, i) ? i : -1)).filter((i) => i >= 0);
  expect(hits.length).toBeGreaterThan(0);
  return hits[Math.floor(hits.length / 2)];
}

const POINTER = / cur ([0-9a-f]{16})\//;

describe('fuse replay of the fixtures', () => {
  it('finds the fixtures', () => expect(names.length).toBeGreaterThanOrEqual(10));

  for (const name of names) {
    const lines = readFileSync(join(FIXTURES, `${name}.trace`), 'utf8').split('\n').filter(Boolean);

    it(`${name}: 0 divergences, every event checked`, async () => {
      const r = await replayText(lines, name);
      expect(r.first, r.first ? `${r.first.line}: ${r.first.what}` : '').toBeNull();
      expect(r.divergences).toBe(0);
      expect(r.events).toBe(lines.length);
      expect(r.checked).toBe(lines.length);
      expect(r.unknownStart).toEqual([]);
      expect(r.inodesChecked).toBe(1);
    });

    it(`${name}: a changed field is caught at its event`, async () => {
      const i = pick(lines, (l) => / fuse_iext_(insert|post_update): .* length 0x[0-9a-f]+ /.test(l));
      const bad = [...lines];
      bad[i] = bad[i].replace(/ length 0x([0-9a-f]+) /, (_s, h: string) => ` length 0x${(BigInt('0x' + h) + 0x200n).toString(16)} `);
      const r = await replayText(bad, name);
      expect(r.first?.line).toBe(i + 1);
      expect(r.first?.what).toMatch(/^field length: trace 0x[0-9a-f]+, model 0x[0-9a-f]+$/);
    });

    it(`${name}: a dropped event is caught where it was`, async () => {
      const i = pick(lines, (l, k) => / fuse_iext_insert: /.test(l) && k + 1 < lines.length);
      const bad = lines.filter((_l, k) => k !== i);
      const r = await replayText(bad, name);
      // the line that now sits where the insert was is not what the model fired
      expect(r.first?.line).toBe(i + 1);
      expect(r.first?.what).toMatch(/where the model fired fuse_iext_insert/);
    });

    it(`${name}: a swapped leaf pointer is caught at its event`, async () => {
      // an event whose leaf was seen before, given another pointer the trace used before
      const seen = new Set<string>();
      const firstSeen: number[] = [];
      lines.forEach((l, k) => {
        const p = POINTER.exec(l)?.[1];
        if (p && !seen.has(p)) {
          seen.add(p);
          firstSeen.push(k);
        }
      });
      expect(seen.size, 'needs two pointers').toBeGreaterThan(1);
      const i = pick(lines, (l, k) => {
        const p = POINTER.exec(l)?.[1];
        return p !== undefined && !firstSeen.includes(k) && k > firstSeen[1];
      });
      const mine = POINTER.exec(lines[i])![1];
      const other = [...seen].find((p) => p !== mine && lines.slice(0, i).some((l) => l.includes(` cur ${p}/`)))!;
      const bad = [...lines];
      bad[i] = bad[i].replace(` cur ${mine}/`, ` cur ${other}/`);
      const r = await replayText(bad, name);
      expect(r.first?.line).toBe(i + 1);
      expect(r.first?.what).toMatch(/^leaf identity: /);
      expect(r.first?.context.at(-1)).toContain(other);
    });
  }

  it('an inode whose history begins before the trace is "unknown start", not agreement', async () => {
    const lines = readFileSync(join(FIXTURES, 'mixed-11.trace'), 'utf8').split('\n').filter(Boolean);
    const start = lines.findIndex((l, k) => k > 100 && / fuse_iext_add_mapping: /.test(l));
    const r = await replayText(lines.slice(start), 'mixed-11');
    expect(r.unknownStart).toEqual(['connection 1 ino 12']);
    expect(r.unknownStartEvents).toBe(lines.length - start);
    expect(r.checked).toBe(0);
    expect(r.divergences).toBe(0);
  });

  it('events the model fires after the trace ends are a divergence', async () => {
    const lines = readFileSync(join(FIXTURES, 'mixed-11.trace'), 'utf8').split('\n').filter(Boolean);
    const last = lines.map((l) => / fuse_iext_insert: /.test(l)).lastIndexOf(true);
    const r = await replayText(lines.slice(0, last), 'mixed-11');
    expect(r.divergences).toBe(1);
    expect(r.first?.what).toMatch(/^the trace ended where the model fired fuse_iext_insert/);
  });

  it('traces with fuse_iomap_cache_lock/unlock (iomap-sim run --lock-events) replay too; a dropped unlock is caught', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iomap-sim-locks-'));
    try {
      const out = join(dir, 'locks.trace');
      execFileSync(process.execPath, [CLI, 'run', join(FIXTURES, 'mixed-13.scenario'), '--trace', out, '--lock-events'], { stdio: 'ignore' });
      const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
      expect(lines.filter((l) => / fuse_iomap_cache_lock: /.test(l)).length).toBeGreaterThan(100);
      const r = await replayText(lines, 'mixed-13');
      expect(r.first, r.first?.what).toBeNull();
      // the first lock event, inside the first invalidate_range, switches lock checking on
      expect(r.checked).toBe(lines.length - 1);
      const i = pick(lines, (l) => / fuse_iomap_cache_unlock: /.test(l));
      const bad = await replayText(lines.filter((_l, k) => k !== i), 'mixed-13');
      expect(bad.first?.line).toBe(i + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
