// SPDX-License-Identifier: GPL-2.0-only
/*
 * valgrind's confirmation of the model's "the C reads bytes krealloc left
 * uninitialized" stops (ASan cannot see such reads), shared by the .out and
 * the trace differentials against the seed's C.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildSeedNative, runSeedNativeUnderValgrind } from '../bench/seed-native.js';

/**
 * Where the model stops at a read of bytes the C never wrote, valgrind's
 * memcheck must see the C do it on that very line: the scenario cut before
 * it runs clean (so what is compared before the line depends on no old
 * memory), cut after it the C branches on or uses bytes nothing wrote, from
 * a krealloc where valgrind can follow them back. (Two ASan fills of fresh
 * memory are a weaker oracle: such a read often changes nothing the C
 * prints, as when the record it counts is a zero-length one no walk shows.)
 */
export function expectUninitializedReadAt(work: string, name: string, text: string, stop: number): void {
  const lines = text.split('\n');
  const exe = buildSeedNative().exe;
  const head = join(work, `${name}-memcheck-before-${stop}.scenario`);
  writeFileSync(head, lines.slice(0, stop - 1).join('\n') + '\n');
  const before = runSeedNativeUnderValgrind(exe, head, { maxMiB: 256 });
  expect(before.uninitialized, `${name}: valgrind on the C before line ${stop}:\n${before.report}`).toBe(0);
  expect(before.status, `${name}: the C before line ${stop} under valgrind:\n${before.report}`).toBe(0);
  const upTo = join(work, `${name}-memcheck-to-${stop}.scenario`);
  writeFileSync(upTo, lines.slice(0, stop).join('\n') + '\n');
  const at = runSeedNativeUnderValgrind(exe, upTo, { maxMiB: 256 });
  expect(at.uninitialized, `${name}: valgrind should see the C read bytes nothing wrote at line ${stop}:\n${at.report}`).toBeGreaterThan(0);
  // where valgrind could follow the bytes back (a copy of copied bytes loses it), they come from a krealloc
  for (const origin of at.report.split(/\n(?=\S)/).filter((e) => e.includes('Uninitialised value was created')))
    expect(origin, `${name}: where the bytes the C read at line ${stop} came from`).toMatch(/created by a heap allocation[\s\S]*: krealloc /);
}

/**
 * Where the model stops at a read past the end of a heap block ("a heap
 * out-of-bounds read") and ASan reports a use-after-free on that line
 * instead: ASan names the chunk an address falls in, and a read past a
 * 32-byte block can land inside the next chunk of its size class when
 * that one is freed. valgrind lays out blocks with its own redzones, so it
 * must see the read for what it is: nothing invalid before the line, and
 * on it a read in `func` some bytes after a block of `size` bytes.
 */
export function expectReadPastBlockAt(work: string, name: string, text: string, stop: number, func: string, size: number): void {
  const lines = text.split('\n');
  const exe = buildSeedNative().exe;
  const head = join(work, `${name}-memcheck-before-${stop}.scenario`);
  writeFileSync(head, lines.slice(0, stop - 1).join('\n') + '\n');
  const before = runSeedNativeUnderValgrind(exe, head, { maxMiB: 256 });
  expect(before.report, `${name}: valgrind on the C before line ${stop}`).not.toMatch(/Invalid (read|write)/);
  const upTo = join(work, `${name}-memcheck-to-${stop}.scenario`);
  writeFileSync(upTo, lines.slice(0, stop).join('\n') + '\n');
  const at = runSeedNativeUnderValgrind(exe, upTo, { maxMiB: 256 });
  const first = at.report.split(/\n(?=\S)/).find((e) => e.startsWith('Invalid read'));
  expect(first, `${name}: valgrind should see the C read past a block at line ${stop}:\n${at.report}`).toBeDefined();
  expect(first!.split('\n')[1], `${name}: the function of the first invalid read`).toMatch(new RegExp(`: ${func} `));
  expect(first, `${name}: what the first invalid read at line ${stop} reads`).toMatch(new RegExp(`is \\d+ bytes after a block of size ${size} alloc'd`));
}
