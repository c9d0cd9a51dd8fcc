// SPDX-License-Identifier: GPL-2.0-only
/*
 * Planted bugs: a test build of the model is the compiled dist/ copied to
 * a temporary directory with exactly one textual mutation applied; the
 * fuzz target that should notice runs against that copy. A mutation whose
 * text is not found exactly once fails loudly (the compiled model changed
 * and the list needs updating), so the test can never pass by planting
 * nothing. test/fuzz-planted.test.ts runs every entry in CI;
 * docs/fuzzing.md gives the measured time to find each.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetName } from './target.js';

export interface PlantedBug {
  id: string;
  what: string;
  /** the target that must catch it */
  target: TargetName;
  /** the property a good target breaks */
  property: string;
  /** file under dist/ */
  file: string;
  from: string;
  to: string;
}

export const PLANTED_BUGS: readonly PlantedBug[] = [
  {
    id: 'update-extent-no-seq-bump',
    what: 'fuse_iext_update_extent forgets to bump the sequence counter',
    target: 'cache',
    property: 'differential',
    file: 'src/iext/tree.js',
    from: "throw new KernelOops('fuse_iext_update_extent', 'NULL cursor leaf');\n        this.hooks.incSeq();\n",
    to: "throw new KernelOops('fuse_iext_update_extent', 'NULL cursor leaf');\n",
  },
  {
    id: 'leaf-split-off-by-one',
    what: 'fuse_iext_split_leaf moves one record too few into the new leaf',
    target: 'tree',
    property: 'differential',
    file: 'src/iext/tree.js',
    from: 'this.moveRecs(nw * R, leaf * R + nrKeep, nrMove);',
    to: 'this.moveRecs(nw * R, leaf * R + nrKeep, nrMove - 1);',
  },
  {
    id: 'merge-ignores-flags',
    what: 'fuse_iomap_can_merge no longer compares the mapping flags',
    target: 'cache',
    property: 'read-back',
    file: 'src/cache/merge.js',
    from: '        left.flags === right.flags &&\n',
    to: '',
  },
  {
    id: 'upsert-errno-order',
    what: 'fuse_iomap_upsert checks FUSE_I_BAD before attr_ino (-EIO where the C answers -EINVAL)',
    target: 'protocol',
    property: 'protocol-errno',
    file: 'src/protocol/notify.js',
    from: "    if (inode.attrIno !== out.attrIno)\n        return fail(-EINVAL, 'attr-ino-mismatch');\n    if (inode.bad)\n        return fail(-EIO, 'bad-inode');\n    const halves",
    to: "    if (inode.bad)\n        return fail(-EIO, 'bad-inode');\n    if (inode.attrIno !== out.attrIno)\n        return fail(-EINVAL, 'attr-ino-mismatch');\n    const halves",
  },
  {
    id: 'revalidate-ignores-cookie',
    what: 'fuse_iomap_revalidate accepts every mapping, whatever its cookie',
    target: 'race',
    property: 'no-stale-io',
    file: 'src/iomap/revalidate.js',
    from: 'iomap.validityCookie === validityCookie',
    to: 'true',
  },
];

/** Apply one mutation to a dist/ tree; throws unless its text occurs exactly once. */
export function applyMutation(distDir: string, bug: PlantedBug): void {
  const path = join(distDir, bug.file);
  const text = readFileSync(path, 'utf8');
  const first = text.indexOf(bug.from);
  if (first < 0) throw new Error(`planted bug ${bug.id}: the mutation text was not found in ${path}; the compiled model changed, update src/fuzz/planted.ts:\n${bug.from}`);
  if (text.indexOf(bug.from, first + 1) >= 0) throw new Error(`planted bug ${bug.id}: the mutation text occurs more than once in ${path}`);
  writeFileSync(path, text.slice(0, first) + bug.to + text.slice(first + bug.from.length));
}

/**
 * A copy of the repository's dist/ with the bug planted, runnable as
 * `node DIR/dist/src/cli/main.js` (package.json for ESM, node_modules
 * linked). Returns DIR.
 */
export function plantedBuild(repoRoot: string, bug: PlantedBug): string {
  const dist = join(repoRoot, 'dist');
  if (!existsSync(join(dist, bug.file))) throw new Error(`${join(dist, bug.file)} is missing: build first (npm run build)`);
  const dir = mkdtempSync(join(tmpdir(), `iomap-sim-planted-${bug.id}-`));
  cpSync(dist, join(dir, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.includes('/dist/test/') && !src.includes('/dist/bench/') });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'iomap-sim-planted', type: 'module', private: true }));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  applyMutation(join(dir, 'dist'), bug);
  return dir;
}
