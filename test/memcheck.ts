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
