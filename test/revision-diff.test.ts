// SPDX-License-Identifier: GPL-2.0-only
/* iomap-sim revisions diff: the report of what differs between two kernel revisions on one scenario. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveRevision, RFC_V3 } from '../src/cache/revision.js';
import { V7, V7_TREE } from '../src/cache/revision-v7.js';
import { UsageError } from '../src/cli/command.js';
import { diffRevisions, formatDiffReport, revisionsCommand } from '../src/cli/revisions-command.js';
import { translateScenario } from '../src/scenario/translate.js';
import { parseScenario } from '../src/scenario/parse.js';

const SCENARIO = [
  'upsert read 0 0x4000 0x10000 mapped 0 1', // line 1
  'lookup read 0x1800 0x800', // line 2
  'upsert write 0 0x1000 0 overwrite 0 0', // line 3
  'lookup write 0 0x1000', // line 4
  'dump read', // line 5
].join('\n');

const tmp = mkdtempSync(join(tmpdir(), 'iomap-sim-revdiff-'));
const file = (name: string, text: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};

describe('diffRevisions', () => {
  it('reports each command whose result, seq, shape or memory differ, with both sides', () => {
    const r = diffRevisions(SCENARIO, 's.scenario', RFC_V3, V7);
    expect(r.commands).toBe(5);
    const byLine = new Map(r.differences.map((d) => [d.line, d]));
    // line 1: the same insert, but v7's counter started at 1
    expect(byLine.get(1)!.aspects).toEqual(['seq']);
    expect([byLine.get(1)!.a.seq, byLine.get(1)!.b.seq]).toEqual([1n, 2n]);
    // line 2: same trimmed mapping, cookies 1 and 2
    expect(byLine.get(2)!.a.result).toBe('hit 1000+1000 addr 11000 mapped () dev 1 cookie 1');
    expect(byLine.get(2)!.b.result).toBe('hit 1000+1000 addr 11000 mapped () dev 1 cookie 2');
    // line 3: rfc-v3 creates the write fork (32 B header + a 32 B root leaf); v7 skips the upsert
    expect(byLine.get(3)!.aspects).toEqual(['shape', 'memory']);
    expect(byLine.get(3)!.a.shape).toBe('read 1/1 write 1/1');
    expect(byLine.get(3)!.b.shape).toBe('read 1/1 write -');
    expect(byLine.get(3)!.a.memory - byLine.get(3)!.b.memory).toBe(64);
    expect(byLine.get(4)!.b.result).toBe('nofork');
    expect(byLine.get(4)!.a.result).toMatch(/^hit 0\+1000 addr ffffffffffffffff overwrite/);
    expect(r.byAspect).toMatchObject({ result: 2, seq: 2, shape: 3, memory: 3, events: 0 });
  });

  it('finds nothing between a revision and itself', () => {
    const r = diffRevisions(SCENARIO, 's.scenario', V7, V7);
    expect(r.differences).toEqual([]);
  });

  it('v7 against v7-tree differs only in the untrimmed lookup', () => {
    const r = diffRevisions(SCENARIO, 's.scenario', V7, V7_TREE);
    expect(r.differences.map((d) => [d.line, d.aspects])).toEqual([[2, ['result']]]);
    expect(r.differences[0].b.result).toBe('hit 0+4000 addr 10000 mapped () dev 1 cookie 2');
  });

  it('shows the cap cleanup as a v7-only event, with the tree shape and memory it changes', () => {
    const lines: string[] = [];
    for (let i = 0; i < 10; i++) lines.push(`upsert read 0x${(i * 0x2000).toString(16)} 0x1000 0x${(0x100000 + i * 0x2000).toString(16)} mapped 0 1`);
    const r = diffRevisions(lines.join('\n') + '\n', 'cap.scenario', RFC_V3, V7, 256);
    const tenth = r.differences.find((d) => d.line === 10)!;
    expect(tenth.aspects).toEqual(['seq', 'shape', 'memory', 'events']);
    expect(tenth.b.events).toEqual(['fuse_iomap_cache_cleanup read bytes 0x120']);
    expect([tenth.a.shape, tenth.b.shape]).toEqual(['read 10/2 write -', 'read 1/1 write -']);
    // rfc-v3: two 256 B leaves and a 256 B node; v7: a one-record root (kmalloc-32)
    expect([tenth.a.memory, tenth.b.memory]).toEqual([768, 32]);
    const text = formatDiffReport(r);
    expect(text).toContain('line 10: upsert read 0x12000 0x1000 0x112000 mapped 0 1  (seq, shape, memory, events)');
    expect(text).toContain('[fuse_iomap_cache_cleanup read bytes 0x120]');
    expect(text).toMatch(/v7 +seq 11, read 1\/1 write -, tree memory 32 B \(peak \d+ B\) \+ struct fuse_iomap_cache 128 B \(allocated on first upsert\)/);
  });

  it('reports the hazards each revision walked through', () => {
    const r = diffRevisions('upsert read 0 0x1000 0x8000 mapped 0 1\ninvalidate 0 0xffffffffffffffff\n', 'h', RFC_V3, V7);
    expect(r.a.hazards.join()).toMatch(/^erase-all-no-seq-bump x1/);
    expect(r.b.hazards.join()).toMatch(/^erase-all-no-seq-bump x1/);
  });
});

describe('translateScenario', () => {
  it("re-encodes types and flags by name for v7 and leaves rfc-v3's alone", () => {
    const sc = parseScenario('upsert write 0 0x1000 0 overwrite boundary|xattr|anon_write 0\nupsert read 0 0x1000 0 null new 0\n');
    expect(translateScenario(sc, resolveRevision(RFC_V3)).commands).toBe(sc.commands);
    const t = translateScenario(sc, resolveRevision(V7));
    const [a, b] = t.commands.map((c) => (c.op === 'upsert' ? c.map : undefined));
    expect(a!.type).toBe(255);
    // boundary 0x40 -> 0x10, anon_write 0x80 -> 0x20, xattr (gone in v7) -> a spare high bit
    expect(a!.flags & 0x3ff).toBe(0x30);
    expect(a!.flags & ~0x3ff).not.toBe(0);
    expect(b!.type).toBe(253); // null -> nocache
    expect(b!.flags).toBe(1);
    // the parsed scenario itself is not modified
    expect(sc.commands[0].op === 'upsert' && sc.commands[0].map.type).toBe(0xffff);
  });
});

describe('revisionsCommand', () => {
  const stdout: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    stdout.length = 0;
  });
  const capture = () => vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (stdout.push(String(s)), true));

  it('exits 1 and prints the report when the revisions differ, 0 when they do not', () => {
    const f = file('a.scenario', SCENARIO);
    capture();
    expect(revisionsCommand.run(['diff', f])).toBe(1);
    expect(stdout.join('')).toMatch(/^revisions diff .*a\.scenario: rfc-v3 vs v7, 5 commands, 5 differ\n/);
    stdout.length = 0;
    expect(revisionsCommand.run(['diff', f, '--a', 'v7', '--b', 'v7'])).toBe(0);
    expect(stdout.join('')).toContain('0 differ');
  });

  it('--json prints one object with both runs and the differences', () => {
    const f = file('b.scenario', SCENARIO);
    capture();
    revisionsCommand.run(['diff', f, '--json']);
    const o = JSON.parse(stdout.join(''));
    expect(o.differences.map((d: { line: number }) => d.line)).toEqual([1, 2, 3, 4, 5]);
    expect(o.a.revision.name).toBe('rfc-v3');
    expect(o.b.states[0].seq).toBe('2');
  });

  it('list names every registered revision', () => {
    capture();
    expect(revisionsCommand.run(['list'])).toBe(0);
    expect(stdout.join('')).toMatch(/^rfc-v3\t.*\nv7\t.*\nv7-tree\t/);
  });

  it('rejects bad usage with a UsageError naming the problem', () => {
    const f = file('c.scenario', SCENARIO);
    expect(() => revisionsCommand.run(['diff'])).toThrow(UsageError);
    expect(() => revisionsCommand.run(['diff', f, '--b', 'v99'])).toThrow(/--b: unknown revision 'v99' \(known: rfc-v3, v7, v7-tree/);
    expect(() => revisionsCommand.run(['diff', f, '--cache-maxbytes', '-5'])).toThrow(/--cache-maxbytes/);
    expect(() => revisionsCommand.run(['diff', f, '--cache-maxbytes', '5000000000'])).toThrow(/not an unsigned 32-bit integer/);
    expect(() => revisionsCommand.run(['diff', join(tmp, 'missing')])).toThrow(/cannot read/);
    expect(() => revisionsCommand.run(['frobnicate'])).toThrow(/expected list or diff/);
  });

  it('a malformed scenario stops with FILE:LINE before anything runs', () => {
    const f = file('bad.scenario', 'upsert read 0 0x1000 0x8000 mapped 0 1\nlookup read zero 1\n');
    expect(() => revisionsCommand.run(['diff', f])).toThrow(/bad\.scenario:2:/);
  });
});
