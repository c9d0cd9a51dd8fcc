// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which kernel revision's tracepoint texts a fuse trace has. rfc-v3 (seed
 * 001) and v7 print the same events differently ("whichfork" vs "iodir",
 * field order, new and removed events: docs/revisions.md, "Tracepoints").
 * The revision comes from --revision, or for a live kernel from the format
 * files under events/fuse/ (fuseTraceFormatFromFormatFiles).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRevision, type Revision } from '../cache/revision.js';
import { V7_FLAG_NAMES } from '../cache/revision-v7.js';

/** The two families of fuse tracepoint texts. */
export type FuseTraceFormat = 'rfc-v3' | 'v7';
export const FUSE_TRACE_FORMATS: readonly FuseTraceFormat[] = ['rfc-v3', 'v7'];

/** The texts a revision prints: v7 and everything built on it (v7-tree) print v7's. */
export function traceFormatOf(rev: Revision): FuseTraceFormat {
  return resolveRevision(rev).flagNames === V7_FLAG_NAMES ? 'v7' : 'rfc-v3';
}

export interface FormatVerdict {
  format: FuseTraceFormat;
  /** the event and what in its format file decided */
  why: string;
}

/**
 * Decides from the text of events/fuse/NAME/format files (name: line, the
 * field: lines of TP_STRUCT__entry, print fmt:). v7 is told by its
 * fuse_iomap_cache_alloc/_cleanup events or an `iodir` field in the cache
 * calls; rfc-v3 by `whichfork` there, or its fuse_iomap_cache_lock/_enable
 * events. Returns null when no file is one of those (no fuse-iomap cache in
 * this kernel), and throws when files of both revisions are given.
 */
export function fuseTraceFormatFromFormatFiles(texts: Iterable<string>): FormatVerdict | null {
  const verdicts: FormatVerdict[] = [];
  for (const text of texts) {
    const name = /^name:\s*(\S+)/m.exec(text)?.[1];
    if (!name) continue;
    const fields = new Set([...text.matchAll(/^\s*field:[^;]*?\b(\w+)(?:\[\d*\])?;/gm)].map((m) => m[1]));
    if (name === 'fuse_iomap_cache_alloc' || name === 'fuse_iomap_cache_cleanup') verdicts.push({ format: 'v7', why: `${name} exists (v7 only)` });
    else if (name === 'fuse_iomap_cache_lock' || name === 'fuse_iomap_cache_enable') verdicts.push({ format: 'rfc-v3', why: `${name} exists (rfc-v3 only)` });
    else if (/^fuse_iomap_cache_(add|remove|lookup|lookup_result)$/.test(name) || name === 'fuse_iext_check_mapping') {
      if (fields.has('iodir')) verdicts.push({ format: 'v7', why: `${name} has an iodir field` });
      else if (fields.has('whichfork')) verdicts.push({ format: 'rfc-v3', why: `${name} has a whichfork field` });
    }
  }
  if (!verdicts.length) return null;
  const other = verdicts.find((v) => v.format !== verdicts[0].format);
  if (other) throw new Error(`format files of both revisions: ${verdicts[0].why} (${verdicts[0].format}), ${other.why} (${other.format})`);
  return verdicts[0];
}

/** Reads EVENTS_DIR/fuse/ * /format of a tracefs instance (or the top level) and decides. */
export function fuseTraceFormatOfKernel(eventsDir: string): FormatVerdict | null {
  const dir = join(eventsDir, 'fuse');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const texts: string[] = [];
  for (const n of names) {
    if (!/^fuse_(iomap_cache|iext)_/.test(n)) continue;
    try {
      texts.push(readFileSync(join(dir, n, 'format'), 'utf8'));
    } catch {
      // an event directory without a readable format file says nothing
    }
  }
  return fuseTraceFormatFromFormatFiles(texts);
}
