// SPDX-License-Identifier: GPL-2.0-only
/*
 * Comparing a fuse-cache trace with the seed's C (the fixtures' .trace, or
 * the native trace build's output, bench/seed-native.ts): event for event,
 * all but the ftrace line prefix, the caller symbol and the printed leaf
 * pointer; and the leaf pointers separately, as a one-to-one map between
 * the C's pointers and the model's leaves over each leaf's lifetime.
 * Shared by test/fixtures.test.ts and test/seed-native-trace.test.ts.
 */
import { expect } from 'vitest';
import type { CacheEvent } from '../src/cache/events.js';
import type { AllocEvent } from '../src/iext/tree.js';

const LINE_RE = /^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d+): (\w+): (.*)$/;

export interface TraceLine {
  event: string;
  body: string;
  pointer?: string;
}

/** An event's body without its caller symbol and leaf pointer (the pointer kept apart). */
function split(event: string, text: string): TraceLine {
  let body = text.replace(/ caller \S+( \[\w+\])?$/, ' caller -');
  let pointer: string | undefined;
  body = body.replace(/ cur ([0-9a-f]{16}|\(null\))\//, (_s, p: string) => {
    pointer = p;
    return ' cur -/';
  });
  return { event, body, pointer };
}

/** Split an ftrace text line; the body loses its caller symbol and leaf pointer. */
export function parseTraceLine(line: string, where: string): TraceLine {
  const m = LINE_RE.exec(line);
  if (!m) throw new Error(`${where}: not an ftrace line: ${line}`);
  return split(m[6], m[7]);
}

/** Split a line of the native trace build ("NAME: BODY", no ftrace prefix) the same way. */
export function parseNativeTraceLine(line: string, where: string): TraceLine {
  const m = /^(\w+): (.*)$/.exec(line);
  if (!m) throw new Error(`${where}: not a "NAME: BODY" line of the native trace build: ${line}`);
  return split(m[1], m[2]);
}

/**
 * The fixtures print fuse_iomap_cache_invalidate_range as "offset X length Y",
 * but the seed's TP_printk for fuse_iomap_file_range_class (seed 001 L4211)
 * is "pos 0x%llx bytecount 0x%llx". The model prints the seed's text; here
 * the fixture's labels are renamed so that the values are still compared.
 */
export function seedLabels(t: TraceLine): TraceLine {
  if (t.event !== 'fuse_iomap_cache_invalidate_range') return t;
  return { ...t, body: t.body.replace(/ offset (0x[0-9a-f]+) length (0x[0-9a-f]+)$/, ' pos $1 bytecount $2') };
}

/**
 * The same events in the same order, bodies equal (caller and pointer
 * aside), a leaf pointer on the same events; the first difference fails
 * naming its line (where:N).
 */
export function expectSameEvents(where: string, ours: TraceLine[], theirs: TraceLine[]): void {
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (a.event !== b.event || a.body !== b.body) expect(`${a.event}: ${a.body}`, `${where}:${i + 1} is the first differing event`).toBe(`${b.event}: ${b.body}`);
    expect(a.pointer === undefined, `${where}:${i + 1} pointer presence`).toBe(b.pointer === undefined);
  }
  expect(ours.length, `${where}: number of events`).toBe(theirs.length);
}

/** One item of the model's run: a tracepoint or a leaf allocation, in order. */
export type ModelItem = { ev: CacheEvent } | { alloc: AllocEvent };

/**
 * The model's leaves map one to one onto the C's leaf pointers: while a
 * model leaf lives, every event naming it shows the same pointer, which no
 * other live leaf shows; a root krealloc moved must show a new pointer.
 * `theirs` must hold one line per model event, in order.
 */
export function expectLeafIdentity(name: string, stream: ModelItem[], theirs: TraceLine[]): { bindings: number; moves: number } {
  const ourToTheir = new Map<number, string>(); // live model block -> C pointer
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
    const where = `${name}:${j} (${t.event})`;
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
  expect(j, `${name}: all events consumed`).toBe(theirs.length);
  return { bindings, moves };
}
