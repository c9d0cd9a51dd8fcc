// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fresh XFS on a loop device: sparse image file, mkfs.xfs, losetup,
 * mount. Every step registers its undo with the session's Teardown.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool, run } from './system.js';
import type { Teardown } from './teardown.js';

export interface XfsMount {
  image: string;
  loop: string;
  mnt: string;
  /** the kernel's dev_t of the filesystem (MKDEV: major << 20 | minor), as the xfs tracepoints store it */
  dev: number;
  major: number;
  minor: number;
  /** unmount now (the teardown then skips it) */
  unmount(): void;
}

export function makeXfsMount(teardown: Teardown, sizeMiB = 512): XfsMount {
  const mkfs = requireTool('mkfs.xfs', 'xfsprogs');
  const losetup = requireTool('losetup', 'mount');
  requireTool('mount', 'mount');
  const dir = mkdtempSync(join(tmpdir(), 'iomap-sim-live-'));
  teardown.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'xfs.img');
  writeFileSync(image, '');
  truncateSync(image, sizeMiB * 1024 * 1024);
  run(mkfs, ['-q', '-f', '-m', 'reflink=1', image], 'mkfs.xfs');
  const loop = run(losetup, ['--find', '--show', image], 'attaching a loop device').trim();
  teardown.add(`detach ${loop}`, () => run(losetup, ['-d', loop], `detaching ${loop}`));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  run('mount', ['-t', 'xfs', loop, mnt], `mounting ${loop}`);
  let mounted = true;
  teardown.add(`unmount ${mnt}`, () => unmount());
  const rdev = statSync(loop).rdev;
  // glibc's dev_t encoding of st_rdev
  const major = ((rdev >> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    // a workload just killed may still hold it for a moment: retry, then detach lazily
    for (let i = 0; ; i++) {
      try {
        run('umount', [mnt], `unmounting ${mnt}`);
        return;
      } catch (e) {
        if (i >= 25) {
          run('umount', ['-l', mnt], `lazily unmounting ${mnt}`);
          throw e;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40);
      }
    }
  };
  return { image, loop, mnt, dev: major * 2 ** 20 + minor, major, minor, unmount };
}
