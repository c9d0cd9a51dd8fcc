// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running the system tools a live session needs (mount, losetup, mkfs.xfs),
 * with errors that say what to install or why, never a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** A live-session prerequisite is missing or a step failed: the message says what to do. */
export class LiveError extends Error {
  /** what the failed session had set up (torn down by then), when it got that far */
  setup?: { image: string; loop: string; mnt: string; instance: string };
  constructor(message: string) {
    super(message);
    this.name = 'LiveError';
  }
}

const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...PATH_DIRS];
  for (const d of dirs) {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return `${d}/${name}`;
    } catch {
      // not here
    }
  }
  return null;
}

/** The tool's path, or a LiveError naming the Debian package to install. */
export function requireTool(name: string, pkg: string): string {
  const p = findTool(name);
  if (!p) throw new LiveError(`${name} not found: install it (apt-get install ${pkg})`);
  return p;
}

export function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new LiveError(`${what} needs root (it mounts tracefs and a loop device): run it with sudo`);
}

/** Run a command; a failure becomes a LiveError with its standard error. */
export function run(cmd: string, args: string[], what: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new LiveError(`${what} failed: ${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}
