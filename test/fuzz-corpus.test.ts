// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays every file of fuzz-corpus/ (reproducers written by `iomap-sim
 * fuzz`): a finding must still be found (the model still reproduces the
 * seed's bug, and nothing else breaks on the way), a failure must stay
 * fixed. A file that cannot be read fails with its name.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusFiles, replayFile } from '../src/fuzz/corpus.js';
import { ROOT } from './paths.js';

const DIR = join(ROOT, 'fuzz-corpus');
const files = corpusFiles(DIR);

describe('fuzz corpus replay', () => {
  it('holds reproducers of every target that has found something', () => {
    const names = files.map((f) => f.slice(DIR.length + 1));
    expect(names.some((n) => n.startsWith('cache-cookie-soundness-erase-all-no-seq-bump-'))).toBe(true);
    expect(names.some((n) => n.startsWith('parser-'))).toBe(true);
    expect(names.some((n) => n.startsWith('protocol-'))).toBe(true);
    expect(names.some((n) => n.startsWith('race-no-stale-io-erase-all-no-seq-bump-'))).toBe(true);
  });

  for (const f of files) {
    it(f.slice(DIR.length + 1), async () => {
      const r = await replayFile(f);
      expect(r.ok, `${f}: ${r.why}`).toBe(true);
    });
  }
});
