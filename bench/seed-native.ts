// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seed's own C cache code, built natively: the baseline of the grow
 * benchmark and a differential oracle for the tests.
 *
 * At build time (never committed) the C is cut out of the seed's mailing-list
 * thread, ../shared/seeds/001_*.txt, exactly as the fixtures were made
 * (../shared/fixtures/README.md): the new file fs/fuse/iomap_cache.c and
 * fs/fuse/iomap_cache.h of "[PATCH 1/4] fuse: cache iomaps", its fs/fuse/fuse_i.h
 * hunks (the cache's structs and inline helpers), the FUSE_IOMAP_* values of
 * the series' include/uapi/linux/fuse.h hunks, and fuse_iomap_cache_invalidate_range
 * (with its fuse_i.h declaration) of "[PATCH 3/4]", put where its hunk says.
 * Hunks are found by their headers and sizes; a seed of another shape is an
 * error saying what was not found. Our own files in bench/native/ supply the
 * rest: shim headers (kmalloc on malloc, no-op rwsem and tracepoints,
 * CONFIG_FUSE_IOMAP_DEBUG off so ASSERT() is empty) and driver.c, which
 * parses a scenario and prints the fixtures' .out lines. Compiled with
 * `cc -O2` and the kernel's -fno-strict-overflow -fno-strict-aliasing
 * -fno-delete-null-pointer-checks, into a cache directory keyed by a hash
 * of every input, so later calls reuse the binary. The trace build
 * (BuildOptions.trace) adds the seed's own tracepoint definitions
 * (extractSeedTraceEvents) and bench/native/trace.c, so the driver's -T FILE
 * prints every event the code fires.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this module with package.json (bench/ or dist/bench/). */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'bench', 'native', 'driver.c'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error(`seed-native: no repository root (package.json with bench/native/driver.c) above ${fileURLToPath(import.meta.url)}`);
    d = up;
  }
}

/** ../shared beside the repository, or IOMAP_SIM_SHARED (as test/paths.ts). */
export function sharedDir(): string {
  return process.env.IOMAP_SIM_SHARED ?? resolve(repoRoot(), '..', 'shared');
}

/** The seed thread holding the patch series (seeds/001_*.txt). */
export function seedFile(): string {
  const dir = join(sharedDir(), 'seeds');
  if (!existsSync(dir)) throw new Error(`seed-native: ${dir} not found: clone with ../shared beside the repository or set IOMAP_SIM_SHARED`);
  const f = readdirSync(dir).filter((n) => /^001_.*\.txt$/.test(n));
  if (f.length !== 1) throw new Error(`seed-native: expected one seeds/001_*.txt in ${dir}, found ${f.length}`);
  return join(dir, f[0]);
}

export class SeedShapeError extends Error {
  constructor(what: string) {
    super(`seed-native: the seed does not have the expected shape: ${what}`);
    this.name = 'SeedShapeError';
  }
}

interface Hunk {
  /** 1-based line of the @@ header in the seed */
  at: number;
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** the hunk's lines after the header, as in the seed */
  lines: string[];
}

interface FileDiff {
  path: string;
  hunks: Hunk[];
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * One message of the thread: from its `* [PATCH ...] SUBJECT` line to the
 * archive's `^ permalink raw reply` line after it.
 */
function message(lines: string[], subject: string): { start: number; lines: string[] } {
  const head = `* ${subject}`;
  const starts = lines.flatMap((l, i) => (l === head ? [i] : []));
  if (starts.length !== 1) throw new SeedShapeError(`expected one message '${subject}', found ${starts.length}`);
  const s = starts[0];
  let e = s + 1;
  while (e < lines.length && !lines[e].startsWith('^ permalink raw reply')) e++;
  return { start: s, lines: lines.slice(s, e) };
}

/** The diffs of a message: each `diff --git a/P b/P` with its hunks (a hunk runs to the next @@ or diff). */
function fileDiffs(msg: { start: number; lines: string[] }): FileDiff[] {
  const out: FileDiff[] = [];
  let cur: FileDiff | undefined;
  let hunk: Hunk | undefined;
  msg.lines.forEach((l, i) => {
    const d = /^diff --git a\/(\S+) b\/(\S+)$/.exec(l);
    if (d) {
      cur = { path: d[2], hunks: [] };
      out.push(cur);
      hunk = undefined;
      return;
    }
    const h = HUNK_RE.exec(l);
    if (h && cur) {
      hunk = { at: msg.start + i + 1, oldStart: +h[1], oldCount: h[2] === undefined ? 1 : +h[2], newStart: +h[3], newCount: h[4] === undefined ? 1 : +h[4], lines: [] };
      cur.hunks.push(hunk);
      return;
    }
    if (hunk) hunk.lines.push(l);
  });
  return out;
}

function diffOf(diffs: FileDiff[], path: string, subject: string): FileDiff {
  const d = diffs.filter((x) => x.path === path);
  if (d.length !== 1) throw new SeedShapeError(`'${subject}' should change ${path} once, found ${d.length} diffs of it`);
  return d[0];
}

/** A new file's text: its one hunk `@@ -0,0 +1,N @@` of N '+' lines, the '+' stripped. */
function newFile(diffs: FileDiff[], path: string, subject: string): string {
  const d = diffOf(diffs, path, subject);
  const h = d.hunks[0];
  if (d.hunks.length !== 1 || h.oldStart !== 0 || h.oldCount !== 0 || h.newStart !== 1)
    throw new SeedShapeError(`${path} in '${subject}' is not one new-file hunk (@@ -0,0 +1,N @@)`);
  const body = h.lines.slice(0, h.newCount);
  const bad = body.findIndex((l) => !l.startsWith('+'));
  if (body.length !== h.newCount || bad >= 0)
    throw new SeedShapeError(`${path} in '${subject}' (hunk at seed line ${h.at}): ${h.newCount} added lines announced, line ${h.at + 1 + (bad < 0 ? body.length : bad)} is not one`);
  return body.map((l) => l.slice(1)).join('\n') + '\n';
}

/** The '+' lines of the one hunk of diff d that has a '+' line matching re, '+' stripped. */
function addedLinesOfHunk(d: FileDiff, re: RegExp, subject: string): { hunk: Hunk; added: string[] } {
  const hs = d.hunks.filter((h) => h.lines.some((l) => l.startsWith('+') && re.test(l.slice(1))));
  if (hs.length !== 1) throw new SeedShapeError(`'${subject}': expected one hunk of ${d.path} adding a line like ${re}, found ${hs.length}`);
  const h = hs[0];
  const plus = h.lines.filter((l) => l.startsWith('+'));
  const minus = h.lines.filter((l) => l.startsWith('-'));
  if (minus.length || plus.length !== h.newCount - h.oldCount)
    throw new SeedShapeError(`'${subject}': the hunk of ${d.path} at seed line ${h.at} should only add ${h.newCount - h.oldCount} lines, it has ${plus.length} '+' and ${minus.length} '-'`);
  return { hunk: h, added: plus.map((l) => l.slice(1)) };
}

/**
 * Applies a hunk that only adds one block of lines to text: the block goes
 * right before the hunk's trailing context (the lines after the block, the
 * archive having dropped their leading blanks and blank lines), which must
 * occur exactly once in text, with the leading context right before it.
 */
function applyAddHunk(text: string, h: Hunk, where: string): string {
  const first = h.lines.findIndex((l) => l.startsWith('+'));
  let last = first;
  while (last + 1 < h.lines.length && h.lines[last + 1].startsWith('+')) last++;
  if (h.lines.slice(last + 1).some((l) => l.startsWith('+'))) throw new SeedShapeError(`${where}: the added lines are not one block`);
  const lead = h.lines.slice(0, first).map((l) => l.trim()).filter(Boolean);
  const trail = h.lines.slice(last + 1).map((l) => l.trim()).filter(Boolean);
  if (!trail.length) throw new SeedShapeError(`${where}: no trailing context to place the added lines`);
  const lines = text.split('\n');
  const norm = lines.map((l) => l.trim());
  const hits: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    let k = 0;
    while (k < trail.length && j < lines.length) {
      if (norm[j] === '') {
        j++;
        continue;
      }
      if (norm[j] !== trail[k]) break;
      j++;
      k++;
    }
    if (k === trail.length && norm[i] === trail[0]) hits.push(i);
  }
  if (hits.length !== 1) throw new SeedShapeError(`${where}: its trailing context (${trail.join(' / ')}) occurs ${hits.length} times in the file, not once`);
  let at = hits[0];
  // the leading context must be what precedes (blank lines aside)
  let j = at - 1;
  for (let k = lead.length - 1; k >= 0; k--, j--) {
    while (j >= 0 && norm[j] === '') j--;
    if (j < 0 || norm[j] !== lead[k]) throw new SeedShapeError(`${where}: its leading context (${lead.join(' / ')}) does not precede the trailing context`);
  }
  // keep a blank line between the previous function and the added block, as the original context had
  while (at > 0 && norm[at - 1] === '') at--;
  const added = h.lines.slice(first, last + 1).map((l) => l.slice(1));
  return [...lines.slice(0, at), '', ...added, ...lines.slice(at)].join('\n');
}

/** The FUSE_IOMAP_* values the cache code and the driver use, from the series' uapi hunks. */
const UAPI_NAMES = [
  'FUSE_IOMAP_TYPE_PURE_OVERWRITE',
  'FUSE_IOMAP_TYPE_HOLE',
  'FUSE_IOMAP_TYPE_DELALLOC',
  'FUSE_IOMAP_TYPE_MAPPED',
  'FUSE_IOMAP_TYPE_UNWRITTEN',
  'FUSE_IOMAP_TYPE_INLINE',
  'FUSE_IOMAP_NULL_ADDR',
  'FUSE_IOMAP_INVAL_TO_EOF',
];

export const PATCH_CACHE = '[PATCH 1/4] fuse: cache iomaps';
export const PATCH_INVALIDATE = '[PATCH 3/4] fuse: invalidate iomap cache after file updates';

export interface SeedSources {
  /** generated file name -> text */
  files: Record<string, string>;
  /** the tracepoints the code calls, stubbed out */
  traceNames: string[];
}

/** Cuts the seed's cache code out of the thread's text (see the top of this file). */
export function extractSeedSources(seedText: string): SeedSources {
  const lines = seedText.split('\n');
  const m1 = message(lines, PATCH_CACHE);
  const m3 = message(lines, PATCH_INVALIDATE);
  const d1 = fileDiffs(m1);
  const d3 = fileDiffs(m3);

  let cacheC = newFile(d1, 'fs/fuse/iomap_cache.c', PATCH_CACHE);
  const cacheH = newFile(d1, 'fs/fuse/iomap_cache.h', PATCH_CACHE);

  const inval = addedLinesOfHunk(diffOf(d3, 'fs/fuse/iomap_cache.c', PATCH_INVALIDATE), /^int fuse_iomap_cache_invalidate_range\(/, PATCH_INVALIDATE);
  cacheC = applyAddHunk(cacheC, inval.hunk, `${PATCH_INVALIDATE}: fs/fuse/iomap_cache.c hunk at seed line ${inval.hunk.at}`);

  const fuseI1 = diffOf(d1, 'fs/fuse/fuse_i.h', PATCH_CACHE);
  const types = addedLinesOfHunk(fuseI1, /^struct fuse_ifork \{/, PATCH_CACHE).added;
  const api = addedLinesOfHunk(fuseI1, /^static inline int fuse_iomap_cache_upsert\(/, PATCH_CACHE).added;
  const api3 = addedLinesOfHunk(diffOf(d3, 'fs/fuse/fuse_i.h', PATCH_INVALIDATE), /^int fuse_iomap_cache_invalidate_range\(/, PATCH_INVALIDATE).added;

  // uapi values: the first definition of each name in the series' include/uapi/linux/fuse.h hunks (up to PATCH 3/4)
  const uapi = new Map<string, string>();
  let inUapi = false;
  for (const l of lines.slice(0, m3.start + m3.lines.length)) {
    const d = /^diff --git a\/(\S+) b\/(\S+)$/.exec(l);
    if (d) inUapi = d[2] === 'include/uapi/linux/fuse.h';
    const def = inUapi ? /^\+#define (FUSE_IOMAP_\w+)\s/.exec(l) : null;
    if (def && UAPI_NAMES.includes(def[1]) && !uapi.has(def[1])) uapi.set(def[1], l.slice(1));
  }
  const missing = UAPI_NAMES.filter((n) => !uapi.has(n));
  if (missing.length) throw new SeedShapeError(`no include/uapi/linux/fuse.h hunk defines ${missing.join(', ')}`);

  const code = [cacheC, cacheH, ...types, ...api, ...api3].join('\n');
  const traceNames = [...new Set([...code.matchAll(/\btrace_(\w+)\s*\(/g)].map((x) => x[1]))].sort();
  if (!traceNames.length) throw new SeedShapeError('no trace_* calls in the cache code');

  const origin = (what: string) => `/* generated by iomap-sim bench/seed-native.ts from ${what} of the seed (../shared/seeds/001); not for editing */`;
  const guard = (name: string, body: string[]) => [`#ifndef SEED_${name}`, `#define SEED_${name}`, ...body, '#endif', ''].join('\n');
  return {
    traceNames,
    files: {
      'iomap_cache.c': cacheC,
      'iomap_cache.h': cacheH,
      'seed_fuse_i_types.h': guard('FUSE_I_TYPES_H', [origin(`the fs/fuse/fuse_i.h hunk of '${PATCH_CACHE}' that adds struct fuse_ifork`), ...types]),
      'seed_fuse_i_api.h': guard('FUSE_I_API_H', [
        origin(`the fs/fuse/fuse_i.h hunks of '${PATCH_CACHE}' (fuse_iomap_cache_upsert & co.) and '${PATCH_INVALIDATE}'`),
        ...api,
        ...api3,
      ]),
      'seed_uapi_fuse.h': guard('UAPI_FUSE_H', [origin('the include/uapi/linux/fuse.h hunks of the series'), ...UAPI_NAMES.map((n) => uapi.get(n)!)]),
      'seed_trace_stubs.h': guard('TRACE_STUBS_H', [
        '/* generated by iomap-sim bench/seed-native.ts: the tracepoints the seed code calls, compiled out */',
        ...traceNames.map((n) => `#define trace_${n}(...) do { } while (0)`),
      ]),
    },
  };
}

/**
 * Applies hunk h to one definition (its lines, changed in place) when h only
 * adds lines and its context, blank lines aside, lies inside it: the added
 * lines go between the leading and the trailing context. A hunk that also
 * removes lines there is a SeedShapeError; one whose context is elsewhere
 * leaves the definition alone.
 */
function addInside(def: string[], h: Hunk): void {
  const first = h.lines.findIndex((l) => l.startsWith('+'));
  if (first < 0) return;
  let last = first;
  while (last + 1 < h.lines.length && h.lines[last + 1].startsWith('+')) last++;
  const ctx = (ls: string[]) => ls.filter((l) => !l.startsWith('+') && !l.startsWith('-')).map((l) => l.trim()).filter(Boolean);
  const lead = ctx(h.lines.slice(0, first));
  const trail = ctx(h.lines.slice(last + 1));
  if (!lead.length || !trail.length) return;
  const norm = def.map((l) => l.trim());
  const want = [...lead, ...trail];
  for (let i = 0; i + want.length <= norm.length; i++) {
    if (!want.every((w, k) => norm[i + k] === w)) continue;
    if (h.lines.some((l) => l.startsWith('-')) || h.lines.slice(last + 1).some((l) => l.startsWith('+')))
      throw new SeedShapeError(`the fs/fuse/fuse_trace.h hunk at seed line ${h.at} changes a tracepoint definition by more than one added block`);
    def.splice(i + lead.length, 0, ...h.lines.slice(first, last + 1).map((l) => l.slice(1)));
    return;
  }
}

/**
 * The seed's own tracepoint definitions for the trace build (-DSEED_TRACE):
 * fs/fuse/fuse_trace.h as the series leaves it at PATCH_INVALIDATE, the
 * first kernel with every tracepoint the build's code fires: the
 * definitions from the fuse_trace.h hunks of the thread up to PATCH_CACHE
 * (the newest complete definition of a name winning), then the lines the
 * messages after it, up to PATCH_INVALIDATE, add inside them (addInside:
 * PATCH 2/4's "null" row of FUSE_IOMAP_TYPE_STRINGS), plus the DEFINE line
 * PATCH_INVALIDATE adds for fuse_iomap_cache_invalidate_range. Found by name: for each tracepoint the
 * code calls, its TRACE_EVENT, or its DEFINE_EVENT (written out or through
 * a DEFINE_*_EVENT(name) macro) and that event's class; then every *_STRINGS
 * table those use; then the uapi FUSE_IOMAP_* values the tables name that
 * the plain build does not define. A definition a hunk cuts off does not
 * count; a name with none is a SeedShapeError.
 */
export function extractSeedTraceEvents(seedText: string, traceNames: string[]): Record<string, string> {
  const lines = seedText.split('\n');
  const m1 = message(lines, PATCH_CACHE);
  const m3 = message(lines, PATCH_INVALIDATE);
  // the new side of each fuse_trace.h hunk (context and '+' lines) up to the end of PATCH_CACHE, in thread order
  const blocks: Array<{ at: number; lines: string[] }> = [];
  const upTo = { start: 0, lines: lines.slice(0, m1.start + m1.lines.length) };
  for (const d of fileDiffs(upTo))
    if (d.path === 'fs/fuse/fuse_trace.h')
      for (const h of d.hunks) blocks.push({ at: h.at, lines: h.lines.filter((l) => !l.startsWith('-')).map((l) => (l.startsWith('+') ? l.slice(1) : l)) });
  if (!blocks.length) throw new SeedShapeError(`no fs/fuse/fuse_trace.h hunks up to '${PATCH_CACHE}'`);

  /** the last complete definition starting at a line matching re, cut by end(lines, i) -> index after it */
  const lastDef = (re: RegExp, end: (ls: string[], i: number) => number): string[] | undefined => {
    let found: string[] | undefined;
    for (const b of blocks)
      b.lines.forEach((l, i) => {
        if (!re.test(l.trim())) return;
        const e = end(b.lines, i);
        if (e > 0) found = b.lines.slice(i, e);
      });
    return found;
  };
  // a #define runs while its lines end with a backslash; -1 when the hunk ends first
  const macroEnd = (ls: string[], i: number) => {
    let j = i;
    while (j < ls.length && /\\\s*$/.test(ls[j])) j++;
    return j < ls.length ? j + 1 : -1;
  };
  // a macro call runs until its parentheses balance (string literals skipped), with a ';' after it
  const callEnd = (ls: string[], i: number) => {
    let depth = 0;
    let opened = false;
    for (let j = i; j < ls.length; j++) {
      const code = ls[j].replace(/"(\\.|[^"\\])*"/g, '""');
      for (const ch of code) {
        if (ch === '(') {
          depth++;
          opened = true;
        } else if (ch === ')') depth--;
      }
      if (opened && depth === 0) return j + 1;
    }
    return -1;
  };
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const macro = (name: string) => lastDef(new RegExp(`^#define ${esc(name)}\\b`), macroEnd);
  const call = (head: string) => lastDef(new RegExp(`^${head}`), callEnd);

  const defs: string[][] = [];
  const emitted = new Set<string>();
  const emit = (key: string, text: string[]) => {
    if (emitted.has(key)) return;
    emitted.add(key);
    defs.push(text);
  };
  // an event class: DECLARE_EVENT_CLASS(C, or TRACE_EVENT(C, (which the kernel also makes a class)
  const eventClass = (c: string, forEvent: string) => {
    const d = call(`DECLARE_EVENT_CLASS\\(${esc(c)},`) ?? call(`TRACE_EVENT\\(${esc(c)},`);
    if (!d) throw new SeedShapeError(`fs/fuse/fuse_trace.h up to '${PATCH_CACHE}': no DECLARE_EVENT_CLASS or TRACE_EVENT ${c} (the class of ${forEvent})`);
    emit(`class ${c}`, d);
  };
  const defineThrough = (n: string, invocations: string[], where: string) => {
    // DEFINE_X_EVENT(n); with #define DEFINE_X_EVENT(name) DEFINE_EVENT(C, name, ...)
    for (const inv of invocations) {
      const m = /^(\w+)\(/.exec(inv.trim())!;
      const def = macro(m[1]);
      const cls = def && /DEFINE_EVENT\((\w+),\s*name,/.exec(def.join('\n'));
      if (!def || !cls) continue;
      eventClass(cls[1], n);
      emit(`macro ${m[1]}`, def);
      emit(`event ${n}`, [inv.trim()]);
      return true;
    }
    throw new SeedShapeError(`${where}: no DEFINE_*_EVENT(${n}) of a DEFINE_EVENT macro`);
  };
  const p3Defines = fileDiffs(m3)
    .filter((d) => d.path === 'fs/fuse/fuse_trace.h')
    .flatMap((d) => d.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1))));
  for (const n of traceNames) {
    if (call(`TRACE_EVENT\\(${esc(n)},`)) {
      // TRACE_EVENT makes the class and its one event
      eventClass(n, n);
      continue;
    }
    const direct = call(`DEFINE_EVENT\\(\\w+,\\s*${esc(n)},`);
    if (direct) {
      eventClass(/DEFINE_EVENT\((\w+),/.exec(direct[0])![1], n);
      emit(`event ${n}`, direct);
      continue;
    }
    const inv = (ls: string[]) => ls.filter((l) => new RegExp(`^\\w+\\(${esc(n)}\\);$`).test(l.trim()));
    const here = blocks.flatMap((b) => inv(b.lines));
    if (here.length) defineThrough(n, here, `fs/fuse/fuse_trace.h up to '${PATCH_CACHE}'`);
    else if (inv(p3Defines).length) defineThrough(n, inv(p3Defines), `'${PATCH_INVALIDATE}'`);
    else throw new SeedShapeError(`no TRACE_EVENT or DEFINE_EVENT for the tracepoint ${n} in fs/fuse/fuse_trace.h up to '${PATCH_INVALIDATE}'`);
  }
  // the __print_flags/__print_symbolic tables, first in the file
  const tables: string[][] = [];
  const want = [...new Set(defs.flat().join('\n').match(/\b[A-Z][A-Z0-9_]*_STRINGS\b/g) ?? [])].sort();
  for (const t of want) {
    const d = macro(t);
    if (!d) throw new SeedShapeError(`fs/fuse/fuse_trace.h up to '${PATCH_CACHE}': no #define ${t}`);
    tables.push(d);
  }
  // what the messages after PATCH_CACHE, up to PATCH_INVALIDATE, add inside these definitions (PATCH 2/4: the "null" type)
  const later = { start: m1.start + m1.lines.length, lines: lines.slice(m1.start + m1.lines.length, m3.start + m3.lines.length) };
  for (const d of fileDiffs(later))
    if (d.path === 'fs/fuse/fuse_trace.h') for (const h of d.hunks) for (const def of [...tables, ...defs]) addInside(def, h);
  const tableLines = tables.flatMap((d) => [...d, '']);
  const out = defs.flatMap((d) => [...d, '']);
  // uapi FUSE_IOMAP_* values the tables use (the first definition in the series' include/uapi/linux/fuse.h hunks)
  const uapi: string[] = [];
  const names = [...new Set(tableLines.join('\n').match(/\bFUSE_IOMAP_(F|TYPE)_\w+/g) ?? [])].filter((x) => !x.endsWith('_STRINGS') && !UAPI_NAMES.includes(x)).sort();
  for (const nm of names) {
    let def: string | undefined;
    let inUapi = false;
    for (const l of lines.slice(0, m3.start + m3.lines.length)) {
      const d = /^diff --git a\/(\S+) b\/(\S+)$/.exec(l);
      if (d) inUapi = d[2] === 'include/uapi/linux/fuse.h';
      if (inUapi && new RegExp(`^\\+#define ${nm}\\s`).test(l)) {
        def = l.slice(1);
        break;
      }
    }
    if (!def) throw new SeedShapeError(`no include/uapi/linux/fuse.h hunk defines ${nm}`);
    uapi.push(def);
  }
  const origin = `/* generated by iomap-sim bench/seed-native.ts from fs/fuse/fuse_trace.h of the seed (../shared/seeds/001) as '${PATCH_INVALIDATE}' leaves it; not for editing */`;
  return {
    'seed_trace_uapi.h': ['#ifndef SEED_TRACE_UAPI_H', '#define SEED_TRACE_UAPI_H', '/* generated by iomap-sim bench/seed-native.ts from the include/uapi/linux/fuse.h hunks of the seed; not for editing */', ...uapi, '#endif', ''].join('\n'),
    'seed_trace_events.h': ['#ifndef SEED_TRACE_EVENTS_H', '#define SEED_TRACE_EVENTS_H', origin, '', ...tableLines, ...out, '#endif', ''].join('\n'),
  };
}

/**
 * -O2 with the kernel's own code-generation flags that change what C means
 * (wrapping loff_t arithmetic above all); what the seed's code does not
 * declare is an error, not a guess.
 */
export const CFLAGS = [
  '-O2',
  '-std=gnu11',
  '-fno-strict-overflow',
  '-fno-strict-aliasing',
  '-fno-delete-null-pointer-checks',
  '-Werror=implicit-function-declaration',
  '-Werror=int-conversion',
  '-Werror=incompatible-pointer-types',
  '-Werror=return-type',
];

/**
 * The sanitized variant: AddressSanitizer and UBSan, so that a scenario
 * whose run reads freed or out-of-bounds memory in the seed's code is
 * known for what it is (its .out is then whatever the allocator left
 * there, not something to compare with). A memory error exits with
 * SANITIZER_EXIT (ASAN_OPTIONS/UBSAN_OPTIONS set by runSeedNative). Left
 * out: the shift checks (i_blocksize's 1 << 31 is the kernel's own) and
 * the NULL checks: a NULL dereference is the oops the model reports
 * (KernelOops) and stays a SIGSEGV, caught by the driver (exit 3) as in
 * the plain build (ASan's own SEGV handler is off).
 */
export const SANITIZER_EXIT = 86;
/**
 * UBSan's reports end in abort() (abort_on_error=1 in UBSAN_OPTIONS): its
 * own runtime never calls the death callback the driver gives ASan's, so the
 * driver's SIGABRT handler names the scenario line and exits with
 * SEED_SANITIZER_EXIT, as after an ASan report.
 */
export const UBSAN_OPTIONS = `print_stacktrace=1:halt_on_error=1:abort_on_error=1:exitcode=${SANITIZER_EXIT}`;
export const SANITIZE_FLAGS = ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize=shift,null', '-fno-sanitize-recover=all', `-DSEED_SANITIZER_EXIT=${SANITIZER_EXIT}`];

export interface SeedNativeBuild {
  /** the executable: `EXE [-t SECONDS] [-m MAX_MIB] [-T TRACE] FILE` prints FILE's .out lines (and, a trace build, its events to TRACE) */
  exe: string;
  /** where the extracted sources and the binary are */
  dir: string;
  /** the hash of every input (the cache key) */
  key: string;
  /** true when this call compiled it */
  built: boolean;
  /** the sanitized variant */
  sanitized: boolean;
  /** the trace variant (runSeedNative's traceFile) */
  traced: boolean;
}

export interface BuildOptions {
  /** the seed thread (default: seedFile()) */
  seed?: string;
  /** the C compiler (default: $CC or cc) */
  cc?: string;
  /** cache root (default: $IOMAP_SIM_NATIVE_CACHE or node_modules/.cache/iomap-sim/seed-native) */
  cacheDir?: string;
  /** build the sanitized variant (SANITIZE_FLAGS after CFLAGS) */
  sanitize?: boolean;
  /**
   * build the trace variant: -DSEED_TRACE, the seed's own tracepoint
   * definitions (extractSeedTraceEvents) and bench/native/trace.c, so that
   * the driver's -T FILE prints every event the code fires
   */
  trace?: boolean;
}

/** Our own C: bench/native/ (driver.c, trace.c and the shim headers), path -> text. */
function ownSources(root: string): Array<[string, string]> {
  const base = join(root, 'bench', 'native');
  const out: Array<[string, string]> = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.[ch]$/.test(n)) out.push([p.slice(base.length + 1), readFileSync(p, 'utf8')]);
    }
  };
  walk(base);
  return out;
}

/**
 * Builds (or finds in the cache) the native executable of the seed's cache
 * code. Throws with the compiler's message when cc is missing or fails.
 */
export function buildSeedNative(opts: BuildOptions = {}): SeedNativeBuild {
  const root = repoRoot();
  const seed = opts.seed ?? seedFile();
  const cc = opts.cc ?? process.env.CC ?? 'cc';
  const version = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0)
    throw new Error(`seed-native: no working C compiler '${cc}' (${version.error?.message ?? version.stderr.trim()}): install gcc (Debian/Ubuntu: apt-get install gcc) or set CC`);
  const seedText = readFileSync(seed, 'utf8');
  const src = extractSeedSources(seedText);
  const traced = opts.trace === true;
  if (traced) Object.assign(src.files, extractSeedTraceEvents(seedText, src.traceNames));
  const own = ownSources(root);
  const h = createHash('sha256');
  const feed = (name: string, text: string) => h.update(`${name}\0${text.length}\0${text}\0`);
  feed('cc', cc);
  feed('cc --version', version.stdout);
  const flags = [...CFLAGS, ...(opts.sanitize ? SANITIZE_FLAGS : []), ...(traced ? ['-DSEED_TRACE'] : [])];
  const sanitized = opts.sanitize === true;
  feed('cflags', flags.join(' '));
  for (const [n, t] of Object.entries(src.files)) feed(`gen/${n}`, t);
  for (const [n, t] of own) feed(`own/${n}`, t);
  const key = h.digest('hex').slice(0, 20);

  const cacheRoot = opts.cacheDir ?? process.env.IOMAP_SIM_NATIVE_CACHE ?? join(root, 'node_modules', '.cache', 'iomap-sim', 'seed-native');
  const dir = join(cacheRoot, key);
  const exe = join(dir, 'seed-iomap-cache');
  if (existsSync(exe)) return { exe, dir, key, built: false, sanitized, traced };

  // build in a private directory, then rename it into place (concurrent builders: the first rename wins)
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = join(cacheRoot, `${key}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(join(tmp, 'gen'), { recursive: true });
  try {
    for (const [n, t] of Object.entries(src.files)) writeFileSync(join(tmp, 'gen', n), t);
    const native = join(root, 'bench', 'native');
    // run in the build directory: the sanitizers' reports name gen/iomap_cache.c:LINE
    const args = [...flags, '-I', 'gen', '-I', join(native, 'shim'), '-o', 'seed-iomap-cache', join('gen', 'iomap_cache.c'), join(native, 'driver.c'), ...(traced ? [join(native, 'trace.c')] : [])];
    const r = spawnSync(cc, args, { encoding: 'utf8', cwd: tmp });
    if (r.error || r.status !== 0) throw new Error(`seed-native: ${cc} ${args.join(' ')} failed (exit ${r.status}):\n${r.error?.message ?? ''}${r.stderr}`);
    writeFileSync(join(tmp, 'BUILD'), `${cc} ${args.join(' ')}\n${version.stdout}`);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(exe)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { exe, dir, key, built: true, sanitized, traced };
}

export interface NativeRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** killed by the timeout of spawnSync (the driver's own -t normally reports first) */
  timedOut: boolean;
}

export interface RunNativeOptions {
  /** the driver's -t: the seed's code must return within this (seconds) */
  timeoutSeconds?: number;
  /** the driver's -m: live allocations cap (MiB) */
  maxMiB?: number;
  /** the driver's -T (a trace build only): where to print the events */
  traceFile?: string;
}

/** Runs the native build on a scenario file; never hangs (the driver's -t, then a kill). */
export function runSeedNative(exe: string, file: string, opts: RunNativeOptions = {}): NativeRun {
  const t = opts.timeoutSeconds ?? 60;
  const args = ['-t', String(t), ...(opts.maxMiB ? ['-m', String(opts.maxMiB)] : []), ...(opts.traceFile ? ['-T', opts.traceFile] : []), file];
  const env = {
    ...process.env,
    ASAN_OPTIONS: `detect_leaks=0:exitcode=${SANITIZER_EXIT}:handle_segv=0:handle_sigbus=0`,
    UBSAN_OPTIONS,
  };
  const r = spawnSync(exe, args, { encoding: 'utf8', env, maxBuffer: 1 << 30, timeout: (t + 10) * 1000, killSignal: 'SIGKILL' });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (r.error && !timedOut) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut };
}

/** What valgrind's memcheck said of a run of the plain build. */
export interface ValgrindRun {
  status: number | null;
  /** reports of a branch or a value that depends on bytes never written ("uninitialised value") */
  uninitialized: number;
  /** valgrind's report, one entry per error, with the stacks (and, --track-origins, where the bytes came from) */
  report: string;
}

/** valgrind's exit status when it reported an error (--error-exitcode) */
export const VALGRIND_EXIT = 87;

/**
 * The plain build (buildSeedNative() without sanitize or trace: its
 * krealloc is realloc, as the sanitized build's) under valgrind's memcheck,
 * which sees what ASan does not: where the seed's code takes a branch on,
 * or uses, bytes nothing ever wrote. Throws when valgrind is missing
 * (`apt-get install valgrind`; .ci/run installs it).
 */
export function runSeedNativeUnderValgrind(exe: string, file: string, opts: RunNativeOptions = {}): ValgrindRun {
  const t = opts.timeoutSeconds ?? 120;
  const args = ['-q', `--error-exitcode=${VALGRIND_EXIT}`, '--track-origins=yes', exe, '-t', String(t), ...(opts.maxMiB ? ['-m', String(opts.maxMiB)] : []), file];
  const r = spawnSync('valgrind', args, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: (t + 30) * 1000, killSignal: 'SIGKILL' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error('valgrind is not installed: the uninitialized-read checks need it (apt-get install valgrind)');
  if (r.error) throw r.error;
  const report = (r.stderr ?? '').replace(/^==\d+== ?/gm, '');
  const uninitialized = report.match(/depends on uninitialised value|Use of uninitialised value|points to uninitialised byte/g)?.length ?? 0;
  return { status: r.status, uninitialized, report };
}

/** runSeedNative, expecting success: the .out text, or an error with the driver's message. */
export function seedNativeOut(exe: string, file: string, opts: RunNativeOptions = {}): string {
  const r = runSeedNative(exe, file, opts);
  if (r.status !== 0) throw new Error(`seed-native ${file}: ${r.timedOut ? 'killed after the timeout' : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`}: ${r.stderr.trim()}`);
  return r.stdout;
}
