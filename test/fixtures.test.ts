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
import type { CacheEvent } from '../src/cache/events.js';
import type { AllocEvent } from '../src/iext/tree.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { CLI, FIXTURES } from './paths.js';

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.scenario'))
  .map((f) => f.slice(0, -'.scenario'.length))
  .sort();

const LINE_RE = /^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d+): (\w+): (.*)$/;

interface TraceLine {
  event: string;
  body: string;
  pointer?: string;
}

/** Split an ftrace text line; the body loses its caller symbol and leaf pointer. */
function parseTraceLine(line: string, where: string): TraceLine {
  const m = LINE_RE.exec(line);
  if (!m) throw new Error(`${where}: not an ftrace line: ${line}`);
  const event = m[6];
  let body = m[7].replace(/ caller \S+( \[\w+\])?$/, ' caller -');
  let pointer: string | undefined;
  body = body.replace(/ cur ([0-9a-f]{16}|\(null\))\//, (_s, p: string) => {
    pointer = p;
    return ' cur -/';
  });
  return { event, body, pointer };
}

/**
 * The fixtures print fuse_iomap_cache_invalidate_range as "offset X length Y",
 * but the seed's TP_printk for fuse_iomap_file_range_class (seed 001 L4211)
 * is "pos 0x%llx bytecount 0x%llx". The model prints the seed's text; here
 * the fixture's labels are renamed so that the values are still compared.
 */
function seedLabels(t: TraceLine): TraceLine {
  if (t.event !== 'fuse_iomap_cache_invalidate_range') return t;
  return { ...t, body: t.body.replace(/ offset (0x[0-9a-f]+) length (0x[0-9a-f]+)$/, ' pos $1 bytecount $2') };
}

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

      const ours = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean);
      const theirs = readFileSync(join(FIXTURES, `${name}.trace`), 'utf8').split('\n').filter(Boolean);
      const n = Math.min(ours.length, theirs.length);
      for (let i = 0; i < n; i++) {
        const a = parseTraceLine(ours[i], `model trace line ${i + 1}`);
        const b = seedLabels(parseTraceLine(theirs[i], `${name}.trace:${i + 1}`));
        if (a.event !== b.event || a.body !== b.body)
          expect(`${a.event}: ${a.body}`, `${name}.trace:${i + 1} is the first differing event`).toBe(`${b.event}: ${b.body}`);
        expect(a.pointer === undefined, `${name}.trace:${i + 1} pointer presence`).toBe(b.pointer === undefined);
      }
      expect(ours.length, `${name}: number of events`).toBe(theirs.length);
    });
  }
});

describe('leaf identity against the fixture pointers', () => {
  for (const name of names) {
    it(`${name}: model leaves map one-to-one onto the fixture's leaf pointers`, () => {
      const sc = parseScenario(readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8'), name);
      const stream: Array<{ ev: CacheEvent } | { alloc: AllocEvent }> = [];
      runScenario(sc, { sink: (ev) => stream.push({ ev }), onAlloc: (_f, alloc) => stream.push({ alloc }) });
      const theirs = readFileSync(join(FIXTURES, `${name}.trace`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l, i) => parseTraceLine(l, `${name}.trace:${i + 1}`));

      const ourToTheir = new Map<number, string>(); // live model block -> fixture pointer
      const theirToOur = new Map<string, number>();
      const live = new Set<number>();
      const previous = new Map<number, string>(); // moved root: new block -> pointer before the move
      let j = 0;
      let bindings = 0;
      let moves = 0;
      const unbind = (addr: number) => {
        live.delete(addr);
        const p = ourToTheir.get(addr);
        if (p !== undefined) theirToOur.delete(p);
        ourToTheir.delete(addr);
      };
      for (const item of stream) {
        if ('alloc' in item) {
          const a = item.alloc;
          if (a.kind !== 'leaf') continue;
          if (a.op === 'alloc') live.add(a.addr);
          else if (a.op === 'free') unbind(a.addr);
          else if (a.moved) {
            // krealloc into a larger kmalloc class: a new block, the old one freed
            const old = ourToTheir.get(a.oldAddr);
            unbind(a.oldAddr);
            live.add(a.addr);
            if (old !== undefined) previous.set(a.addr, old);
            moves++;
          }
          continue;
        }
        const t = theirs[j++];
        expect(t.event, `${name}: event ${j}`).toBe(item.ev.name);
        if (!('leafAddr' in item.ev)) continue;
        const addr = item.ev.leafAddr;
        const p = t.pointer!;
        const where = `${name}.trace:${j} (${t.event})`;
        expect(live.has(addr), `${where}: the model's leaf is live`).toBe(true);
        const bound = ourToTheir.get(addr);
        if (bound !== undefined) {
          expect(p, `${where}: same model leaf, same pointer`).toBe(bound);
          continue;
        }
        const holder = theirToOur.get(p);
        expect(holder, `${where}: pointer ${p} already belongs to another live model leaf`).toBeUndefined();
        const before = previous.get(addr);
        if (before !== undefined) expect(p, `${where}: a moved root must show a new pointer`).not.toBe(before);
        ourToTheir.set(addr, p);
        theirToOur.set(p, addr);
        bindings++;
      }
      expect(j, `${name}: all fixture events consumed`).toBe(theirs.length);
      expect(bindings).toBeGreaterThan(0);
      if (moves === 0) expect(name).toMatch(/^(deep|grow)/); // small profiles grow a height-1 root
    });
  }
});
