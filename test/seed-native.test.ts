// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seed's own C cache code built natively (bench/seed-native.ts) as a
 * differential oracle:
 *   - the harness: every fixture scenario comes out of the native build as
 *     its .out, byte for byte; lines it does not support are refused with
 *     FILE:LINE; the kernel hang the model reports (test/cache-lockup.test.ts)
 *     is a hang of the C too, at the same line;
 *   - the model: generated scenarios (grow at several seeds and sizes, and
 *     three mixed kinds with edge values) give byte-identical .out text
 *     from the native build and from the model run as `iomap-sim run` runs
 *     it (parseScenario + runScenario + writeOutI), and stop at the same
 *     line where the kernel would oops or hang. A difference is reported
 *     with its .out line and the scenario command that printed it. Only
 *     runs the sanitized build (ASan + UBSan) finds memory-clean are
 *     compared, and where the C reads record bytes it never wrote (which
 *     ASan cannot see) only up to that line, where the model must stop; the
 *     use-after-free, out-of-bounds and uninitialized reads this turned up
 *     in the seed's C are tests of their own.
 * Without a C compiler every test that needs one fails with a message
 * saying so (.ci/run installs gcc).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelOops } from '../src/iext/record.js';
import { generateGrow } from '../src/scenario/generate.js';
import { OutBytes, writeOutI } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { runScenario } from '../src/scenario/run.js';
import { buildSeedNative, extractSeedSources, runSeedNative, SANITIZER_EXIT, seedFile, type SeedNativeBuild, SeedShapeError, UBSAN_OPTIONS } from '../bench/seed-native.js';
import { expectReadPastBlockAt, expectUninitializedReadAt } from './memcheck.js';
import { CLI, FIXTURES } from './paths.js';
import { generateMixed, generateTall, type MixedKind } from './generate-mixed.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-seed-native-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The builds, made on first use: without a C compiler every test that
 * needs one fails with buildSeedNative's message (not skipped).
 */
const builds = new Map<boolean, SeedNativeBuild | Error>();
function build(sanitize: boolean): SeedNativeBuild {
  if (!builds.has(sanitize)) {
    try {
      builds.set(sanitize, buildSeedNative({ sanitize }));
    } catch (e) {
      builds.set(sanitize, e as Error);
    }
  }
  const b = builds.get(sanitize)!;
  if (b instanceof Error) throw b;
  return b;
}
const native = { get exe() { return build(false).exe; } };
/** the AddressSanitizer + UBSan variant: says whether a run of the seed's code is defined at all */
const sanitized = { get exe() { return build(true).exe; } };

/** The sanitized build's report when the seed's code reads or writes memory it must not on this scenario; '' when clean. */
function memoryErrors(file: string): string {
  const r = runSeedNative(sanitized.exe, file, { timeoutSeconds: 60, maxMiB: 256 });
  if (r.status === SANITIZER_EXIT) return r.stderr;
  if (r.status !== 0 && r.status !== 3) throw new Error(`sanitized native run of ${file}: exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  return '';
}

/**
 * The sanitized build's run with ASan filling fresh heap memory with `fill`
 * (its default is 0xbe): where the seed's code reads bytes it never wrote
 * (which ASan does not report), runs with two fills differ.
 */
function sanitizedWithFill(file: string, fill: number): { status: number | null; stdout: string; said: string } {
  const env = {
    ...process.env,
    ASAN_OPTIONS: `detect_leaks=0:exitcode=${SANITIZER_EXIT}:handle_segv=0:handle_sigbus=0:malloc_fill_byte=${fill}`,
    UBSAN_OPTIONS,
  };
  const r = spawnSync(sanitized.exe, ['-t', '60', '-m', '256', file], { encoding: 'utf8', env, maxBuffer: 1 << 30, timeout: 70_000, killSignal: 'SIGKILL' });
  if (r.error) throw r.error;
  // the driver's last word (where it stopped, and why); an ASan abort leaves stdout unflushed
  return { status: r.status, stdout: r.stdout, said: r.stderr.trimEnd().split('\n').at(-1) ?? '' };
}

/** What a run printed, and where it stopped when the (modelled) kernel would hang or crash. */
interface Outcome {
  out: string;
  /** scenario line of the hang or crash, or 0 */
  stoppedAt: number;
  /** the model's message when it stopped */
  error?: string;
}

function nativeOutcome(file: string): Outcome {
  const r = runSeedNative(native.exe, file, { timeoutSeconds: 20, maxMiB: 256 });
  if (r.status === 0) return { out: r.stdout, stoppedAt: 0 };
  const m = /^[^\n]*:(\d+): the seed's code (did not return|holds more than|crashed)/.exec(r.stderr);
  if (r.status === 3 && m) return { out: r.stdout, stoppedAt: Number(m[1]) };
  throw new Error(`native run of ${file}: ${r.timedOut ? 'killed after the timeout' : `exit ${r.status} ${r.signal ?? ''}`}: ${r.stderr}`);
}

/** The model as `iomap-sim run FILE` runs it: bytes parsed, I64 results through writeOutI. */
function modelOutcome(file: string): Outcome {
  const chunks: Buffer[] = [];
  const o = new OutBytes((b, n) => chunks.push(Buffer.from(b.subarray(0, n))));
  let stoppedAt = 0;
  let error: string | undefined;
  try {
    runScenario(parseScenario(readFileSync(file), file), { onResultI: (r) => writeOutI(r, o) });
  } catch (e) {
    if (!(e instanceof KernelOops) || e.line === undefined) throw e;
    stoppedAt = e.line;
    error = e.message;
  }
  o.flush();
  return { out: Buffer.concat(chunks).toString('utf8'), stoppedAt, error };
}

/** The scenario's cache commands with their line numbers (settings, comments and blank lines left out). */
function commandLines(scenario: string): Array<{ line: number; text: string }> {
  return scenario
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.replace(/#.*/, '').trim() }))
    .filter((c) => /^(add|upsert|remove|lookup|invalidate|dump)\s/.test(c.text));
}

/**
 * The first .out line where `got` differs from `want`, with the command
 * that printed it (commands walked along `want`: one line each, a dump's
 * header plus its count of extent lines); undefined when they are equal.
 */
function firstDifference(scenario: string, want: string, got: string): string | undefined {
  if (want === got) return undefined;
  const a = want.split('\n');
  const b = got.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const cmds = commandLines(scenario);
  let at = 0;
  let cmd: { line: number; text: string } | undefined;
  for (const c of cmds) {
    const m = /^fork \w+ count (\d+) /.exec(a[at] ?? '');
    const n = c.text.startsWith('dump') && m ? 1 + Number(m[1]) : 1;
    if (i < at + n) {
      cmd = c;
      break;
    }
    at += n;
  }
  const where = cmd ? `scenario line ${cmd.line} '${cmd.text}'` : 'after the last command';
  return `.out line ${i + 1} (${where}): seed C '${a[i] ?? '<end>'}', model '${b[i] ?? '<end>'}'`;
}

/** the model's message where the C reads record bytes krealloc left uninitialized (IextTree.readSlot) */
const UNINITIALIZED = /^memory error in fuse_iext_\w+: reads record \d+ of the root leaf, which fuse_iext_realloc_root's krealloc left uninitialized/;

/** the scenario's first n lines */
function cut(name: string, text: string, n: number, tail = ''): string {
  const f = join(work, `${name}-${n}${tail ? '-dumps' : ''}.scenario`);
  writeFileSync(f, text.split('\n').slice(0, n).join('\n') + '\n' + tail);
  return f;
}

/**
 * The C before line `line`: memory-clean, returning, the model's .out byte
 * for byte (the model's may go on with what the stopped command printed
 * before it stopped: a dump's header and records).
 */
function compareBefore(name: string, text: string, line: number, m: Outcome): { lines: number; out: string } {
  const head = cut(name, text, line - 1);
  expect(memoryErrors(head), `${name}: the C before line ${line}`).toBe('');
  const c = nativeOutcome(head);
  expect(c.stoppedAt, `${name}: the C before line ${line}`).toBe(0);
  const before = m.out.slice(0, c.out.length);
  const diff = firstDifference(text, c.out, before);
  if (diff) throw new Error(`${name}: ${diff}`);
  expect(m.out.slice(c.out.length), `${name}: what the model printed at line ${line}`).toMatch(/^(fork \w+ count \d+ height \d+ seq \d+\n( {2}.*\n)*)?$/);
  return { lines: c.out.split('\n').length - 1, out: c.out };
}

/**
 * A model that stops where the C reads bytes it never wrote (ASan cannot
 * see that): the C's .out is compared up to that line (the scenario cut
 * before it: the same .out from the C, under either ASan fill of fresh
 * memory, as from the model), and valgrind must see the C read such bytes
 * on that line and nowhere before it (test/memcheck.ts).
 */
function compareUntilUninitialized(name: string, text: string, m: Outcome): { lines: number; stoppedAt: number } {
  const { lines, out } = compareBefore(name, text, m.stoppedAt, m);
  const head = cut(name, text, m.stoppedAt - 1);
  const zero = sanitizedWithFill(head, 0);
  expect(zero, `${name}: the C before line ${m.stoppedAt} does not depend on fresh memory`).toEqual(sanitizedWithFill(head, 0xbe));
  expect(zero.stdout).toBe(out);
  expectUninitializedReadAt(work, name, text, m.stoppedAt);
  return { lines, stoppedAt: m.stoppedAt };
}

/** The scenario line of the C's memory error in a sanitized run's report. */
function asanLine(report: string): number {
  const at = /:(\d+): the seed's code made the memory error reported above$/.exec(report.trimEnd());
  if (!at) throw new Error(`no scenario line in the sanitizer's report:\n${report}`);
  return Number(at[1]);
}

/** ASan's name of an error, and the end of the model's KernelMemoryError message for it */
const ASAN_KINDS: Array<[RegExp, RegExp]> = [
  [/ERROR: AddressSanitizer: heap-use-after-free /, /: a use-after-free$/],
  [/ERROR: AddressSanitizer: heap-buffer-overflow /, /: a heap out-of-bounds read$/],
  // the driver's kfree asks malloc_usable_size first: on a freed block that is what ASan reports
  [/ERROR: AddressSanitizer: (attempting double-free |attempting to call malloc_usable_size\(\) for pointer which is not owned)/, /: a double free$/],
];

/**
 * Where the sanitized C makes a memory error, its .out has no defined
 * continuation: the model must stop at that line with the same kind of
 * error, after the C's .out of the lines before it.
 */
function compareAtMemoryError(name: string, text: string, report: string, m: Outcome): { lines: number; stoppedAt: number } {
  const line = asanLine(report);
  const kind = ASAN_KINDS.find(([asan]) => asan.test(report));
  if (!kind) throw new Error(`${name}: a memory error of the C the model does not model, at line ${line}:\n${report.split('\n').slice(0, 12).join('\n')}`);
  expect(m.stoppedAt, `${name}: the model stops where ASan reports the C's memory error (${m.error ?? 'the model returned'})`).toBe(line);
  const past = /^memory error in (\w+): .* past its (\d+)-byte block/.exec(m.error ?? '');
  // a read past a block that lands in a freed neighbour: ASan calls it a use-after-free, valgrind sees it as it is
  if (past && kind[1].source.includes('use-after-free')) expectReadPastBlockAt(work, name, text, line, past[1], Number(past[2]));
  else expect(m.error).toMatch(kind[1]);
  return { lines: compareBefore(name, text, line, m).lines, stoppedAt: line };
}

function compare(name: string, text: string): { lines: number; stoppedAt: number } {
  const file = join(work, `${name}.scenario`);
  writeFileSync(file, text);
  const ub = memoryErrors(file);
  const m = modelOutcome(file);
  // ASan does not see reads of bytes never written: such a read may come before the first error it reports
  if (m.error && UNINITIALIZED.test(m.error)) {
    if (ub) expect(m.stoppedAt).toBeLessThanOrEqual(asanLine(ub));
    return compareUntilUninitialized(name, text, m);
  }
  // a run that touches memory it does not own has no defined .out from there on
  if (ub) return compareAtMemoryError(name, text, ub, m);
  const c = nativeOutcome(file);
  const diff = firstDifference(text, c.out, m.out);
  if (diff) throw new Error(`${name}: ${diff}`);
  expect(m.stoppedAt, `${name}: where the seed's C (${c.stoppedAt || 'returned'}) and the model (${m.stoppedAt || 'returned'}) stop`).toBe(c.stoppedAt);
  return { lines: c.out.split('\n').length - 1, stoppedAt: c.stoppedAt };
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.scenario'))
  .map((f) => f.slice(0, -'.scenario'.length))
  .sort();

describe('the native build of the seed (harness)', () => {
  it('is extracted from the seed by hunk headers: the new files whole, invalidate_range placed by its context', () => {
    const src = extractSeedSources(readFileSync(seedFile(), 'utf8'));
    const c = src.files['iomap_cache.c'];
    // the hunk announces 1651 lines; PATCH 3/4 adds 29 after fuse_iomap_cache_remove
    expect(c.split('\n').length - 1).toBe(1651 + 1 + 29);
    const inval = c.indexOf('int fuse_iomap_cache_invalidate_range(struct inode *inode, loff_t offset,');
    expect(inval).toBeGreaterThan(c.indexOf('fuse_iomap_cache_remove('));
    expect(inval).toBeLessThan(c.indexOf('fuse_iext_add_mapping('));
    expect(src.files['iomap_cache.h']).toContain('#define for_each_fuse_iext(ifp, ext, got)');
    expect(src.files['seed_fuse_i_api.h']).toContain('static inline int fuse_iomap_cache_upsert(struct inode *inode,');
    expect(src.traceNames).toContain('fuse_iext_insert');
  });

  it('refuses a seed of another shape, saying what is missing', () => {
    const seed = readFileSync(seedFile(), 'utf8');
    expect(() => extractSeedSources(seed.replace('+++ b/fs/fuse/iomap_cache.c\n@@ -0,0 +1,1651 @@', '+++ b/fs/fuse/iomap_cache.c\n@@ -0,0 +1,1652 @@'))).toThrow(
      /iomap_cache\.c in '\[PATCH 1\/4\] fuse: cache iomaps' \(hunk at seed line \d+\): 1652 added lines announced/,
    );
    expect(() => extractSeedSources(seed.replace('* [PATCH 3/4] fuse: invalidate', '* [PATCH 3/4] fuse: revalidate'))).toThrow(SeedShapeError);
  });

  it('is cached: a second build reuses the binary', () => {
    const first = build(false);
    const again = buildSeedNative();
    expect(again.exe).toBe(first.exe);
    expect(again.built).toBe(false);
    expect(build(true).exe).not.toBe(first.exe);
  });

  it('a missing compiler is a clear error', () => {
    expect(() => buildSeedNative({ cc: join(work, 'no-such-cc'), cacheDir: join(work, 'cache') })).toThrow(/no working C compiler .*no-such-cc.*apt-get install gcc/);
  });

  for (const name of fixtures) {
    it(`fixture ${name}: the .out of the seed's C, byte for byte`, () => {
      const r = runSeedNative(native.exe, join(FIXTURES, `${name}.scenario`), { timeoutSeconds: 20 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const want = readFileSync(join(FIXTURES, `${name}.out`), 'utf8');
      const diff = firstDifference(readFileSync(join(FIXTURES, `${name}.scenario`), 'utf8'), want, r.stdout);
      expect(diff).toBeUndefined();
      expect(memoryErrors(join(FIXTURES, `${name}.scenario`))).toBe('');
    });
  }

  it('a line it does not support stops it before anything runs, naming the line', () => {
    const cases: Array<[string, RegExp]> = [
      ['geometry xfs\n', /:1: geometry 'xfs': the native build of the seed is fuse_iext \(geometry fuse\) only/],
      ['add read 0 0x1000 0x1000 mapped 0 1\n', /:1: TYPE 'mapped': names are not supported by the native build/],
      ['add read 0 0x1000 0x1000 2 new|dirty 1\n', /:1: FLAGS 'new\|dirty': names are not supported/],
      ['dump read\nrevision v7\n', /:2: 'revision' must come before the first cache command/],
      ['revision v7\n', /:1: revision 'v7': the native build is the seed's RFC v3 code/],
      ['# c\n\nconn 1\n', /:3: 'conn' is not supported by the native build of the seed/],
      ['lookup read 0x10000000000000000 1\n', /:1: POS '0x10000000000000000' is not an unsigned 64-bit number/],
      ['remove read 1 2 3\n', /:1: 'remove' takes 3 arguments, got 4/],
      ['add read 0 4096 0 2 0 0x100000000\n', /:1: DEV 0x100000000 does not fit in 32 bits/],
      ['blocksize 3000\n', /:1: blocksize 3000 must be a power of two/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const f = join(work, `bad-${i}.scenario`);
      writeFileSync(f, text);
      const r = runSeedNative(native.exe, f, { timeoutSeconds: 20 });
      expect(r.status, text).toBe(1);
      expect(r.stdout, text).toBe('');
      expect(r.stderr, text).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${re.source}`));
    }
  });

  it('the fuse_iext_insert_node lockup of test/cache-lockup.test.ts: the C does not return either, at the same line', () => {
    const offsets = ['0x1ffffffffc0000', '0', ...[0, 1, 2, 3, 4, 5].map((k) => `0x${(0xffff_ffff_fff0_0000n + BigInt(k) * 0x1000n).toString(16)}`), '0'];
    const text = ['geometry fuse', 'blocksize 4096', 'maxbytes 0x7fffffffffffffff', ...offsets.map((o) => `upsert read ${o} 0x1000 0x9000 2 0 1`), 'dump read', ''].join('\n');
    const f = join(work, 'lockup.scenario');
    writeFileSync(f, text);
    // the runaway allocates a node a pass: the live-bytes cap (-m) stops it long before the time limit
    const r = runSeedNative(native.exe, f, { timeoutSeconds: 20, maxMiB: 64 });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(`${f}:11: the seed's code holds more than 64 MiB (-m): the kernel would hang here allocating without end\n`);
    expect(r.stdout).toBe(Array.from({ length: 7 }, (_, i) => `upsert 0 seq ${i + 1}\n`).join(''));
    const cli = spawnSync(process.execPath, [CLI, 'run', f], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.status).toBe(3);
    expect(cli.stdout).toBe(r.stdout);
    expect(cli.stderr).toContain(`${f}:11: the modelled kernel would hang here: soft lockup in fuse_iext_insert_node`);
  });

  it('firstDifference names the .out line and the command that printed it', () => {
    const sc = 'geometry fuse\nupsert read 0 0x1000 0x9000 2 0 1\n# x\ndump read\nlookup read 0 1\n';
    const want = 'upsert 0 seq 1\nfork read count 1 height 1 seq 1\n  0+1000 addr 9000 type 2 flags 0 dev 1\nhit 0+1000 addr 9000 type 2 flags 0 dev 1 cookie 1\n';
    expect(firstDifference(sc, want, want)).toBeUndefined();
    expect(firstDifference(sc, want, want.replace('dev 1\nhit', 'dev 2\nhit'))).toBe(
      `.out line 3 (scenario line 4 'dump read'): seed C '  0+1000 addr 9000 type 2 flags 0 dev 1', model '  0+1000 addr 9000 type 2 flags 0 dev 2'`,
    );
    expect(firstDifference(sc, want, want.replace('cookie 1', 'cookie 2'))).toMatch(/^\.out line 4 \(scenario line 5 'lookup read 0 1'\)/);
  });
});

/*
 * Found by the differential below (mixed, seed 1358 of an exploratory run),
 * then shrunk line by line and field by field. Line 11 puts in a record
 * ending past LLONG_MAX (its end wraps to 0xe000); the remove from a
 * negative offset of line 12 trims every record to start at that wrapped
 * end and back again (fuse_iext_update_extent). For the first record of
 * the third leaf, fuse_iext_update_node finds the old key on the way there
 * but not on the way back (its search stops at keys[1] = 0x10000 > 0xe000),
 * so the parent's keys are left as [0, 0x10000, 0xe000]. The same remove
 * then empties the first leaf and merges the second into it
 * (fuse_iext_rebalance_leaf); fuse_iext_remove_node looks for the second
 * leaf's entry by its key 0x10000, which fuse_iext_node_pos places at slot 2
 * in those keys: it frees the second leaf but drops the third leaf's entry
 * (ASSERT(node->ptrs[pos] == victim) is compiled out). The parent still
 * points at the freed leaf, which the upsert of line 13 reads. In the
 * kernel that is a use-after-free (KASAN); in user space the .out depends on
 * what the allocator left in the freed block (the plain build prints
 * `upsert -117 seq 28` at line 13, the model `upsert -117 seq 33`), so the
 * model cannot be compared on it.
 */
const USE_AFTER_FREE = `geometry fuse
upsert write 0x1000 2 0xffffffffffffffff 0 0 0
upsert write 0x1d0000 0x800000001c0000 0 0 1 2
add write 0 2 0 0 0 1
add write 0x10000 1 0 2 1 1
upsert write 0x360000 2 0xffffffffffffffff 0 0 0
upsert write 0x200000 1 0 2 0 1
upsert write 0x1c0000 0x40000 0xffffffffffffffff 0 1 1
upsert write 0x144ef16d0000 2 0 2 0 1
upsert write 0x10000 2 0xffffffffffffffff 0 1 1
upsert write 0x7ffffffffffff000 0x800000000000f000 0 2 0 1
remove write 0xfffffffffff80000 2
upsert write 1 0x10000 0 0 1 1
`;

/*
 * Shrunk from the zero kind, seed 30037 (30028, 30044 and 30058 are the
 * same bug). Line 2 stores a zero-length record (fuse_iomap_cache_add's
 * length ASSERT is compiled out); line 3's insert scans the root, takes it
 * for the end of the leaf and writes over it, but if_bytes counts both.
 * Line 4 empties the tree: fuse_iext_free_last_leaf frees the root and
 * leaves if_bytes at one record. Line 5: fuse_iext_alloc_root allocates
 * one record (ASSERT(if_bytes == 0) compiled out) and the insert makes
 * if_bytes two. Line 6: fuse_iext_realloc_root kreallocs to three
 * records, which copies the one-record block and zeroes from if_bytes, so
 * record 1 is uninitialized memory; fuse_iext_leaf_nr_entries reads it.
 * ASan does not see such a read (valgrind does, at line 6); what follows
 * depends on what the allocator left there: the dump of line 7 shows a
 * third record made of ASan's 0xbe fill, none with a fill of zeros.
 */
const UNINITIALIZED_ROOT = `geometry fuse
add read 0x1000 0 0 2 0 1
add read 0x2000 0x1000 0x2000 2 0 1
remove read 0 0x10000
add read 0x2000 0x1000 0x2000 2 0 1
add read 0 0x1000 0x9000 2 0 1
dump read
`;

/*
 * Shrunk from the high kind, seed 20068. Line 11 puts in a record at 2^63
 * (a negative loff_t, SPEC 8.2: its key sorts above every other in the
 * nodes); line 17's invalidate removes and merges by keys out of order,
 * and the tree collapses to a height-1 root while the leaf holding that
 * record and four more is left out: the root no longer reaches it (if_bytes
 * still counts its records), but it stays linked to the root (its next is
 * the root, the root's prev is it). Line 18's upsert kreallocs the root
 * into a bigger block (kmalloc-256 to -512) and frees the old one, which
 * the orphan still points at; line 21 splits the root, and line 22's remove
 * walks into the freed block (fuse_iext_prev from fuse_iext_del_mapping).
 */
const REALLOC_USE_AFTER_FREE = `geometry fuse
blocksize 1
maxbytes 0x8000000000000000
upsert write 0x145 0x6 0xdd19c 1 54225 0
upsert write 0x7ffffffffffffffd 0x5 0xffffffffffffffff 1 4096 0
upsert write 0x5fa 0x1 0xffffffffffffffff 1 4096 0
upsert write 0xa50 0x4 0x10000a50 2 39763 1
add write 0x745 0x4 0x10000745 2 2 2
upsert write 0x56c 0x6 0x1000056c 2 36134 1
add write 0xb6 0x1 0x100000b6 2 0 1
upsert write 0x8000000000000000 0x3 0xffffffffffffffff 1 0 0
upsert write 0xaae 0x4 0x10000aae 2 0 1
upsert write 0x5db 0x6 0xffffffffffffffff 1 2 1
add write 0x878 0x5 0xffffffffffffffff 4 2 0
upsert write 0x616 0xa 0x4b8c7a 2 36573 1
upsert write 0xa69 0x3 0xffffffffffffffff 4 0 0
invalidate 0x0 0x6
upsert write 0xa52 0x13 0x1c1ac 1 0 0
add write 0x38 0x3 0xffffffffffffffff 65535 0 0
add write 0x81b 0x2 0xb831ef 2 0 1
add write 0x4b2 0x5 0xffffffffffffffff 1 56210 1
remove write 0x0 0x6
`;

/*
 * Found by a search for fuse_iext_remove_node's NULL parent (height-3 trees
 * with now and then a mapping at or above 2^63), seed 42, shrunk. Lines 4-67
 * leave a height-2 tree whose root is full: 16 leaves, the last one holding
 * 0x12f24 alone. Line 68 adds a record at 0xffffffffffffffff (loff_t -1,
 * SPEC 8.2): its u64 key is above FUSE_IEXT_KEY_INVALID (2^63), so
 * fuse_iext_find_level's scan never meets a key greater than it and takes a
 * node's last slot, here the full root's last leaf; the record sorts first
 * there (loff_t compare), and update_node makes that leaf's key all-ones.
 * Line 69's upsert splits a leaf and the full root: height 3, a root of two
 * entries. Line 70's remove from 2^63 takes out 0x12f24, which leaves the
 * record at -1 alone in its leaf; fuse_iext_rebalance_leaf merges the leaf
 * into its prev, and fuse_iext_remove_node looks for its parent with
 * find_level(all-ones, 2): the root's scan runs past its two entries into
 * the empty slots and returns the NULL pointer of the last one, which
 * fuse_iext_node_pos dereferences (an oops; the C's SIGSEGV).
 */
const REMOVE_NODE_NULL_PARENT = `geometry fuse
blocksize 1
maxbytes 0xffffffffffffffff
upsert read 61492 3 1054712 2 0 0
upsert read 26732 2 1054728 2 0 0
upsert read 38588 1 1054736 2 0 0
upsert read 33344 2 1054784 2 0 0
upsert read 42408 1 1054792 2 0 0
upsert read 18956 1 1054800 2 0 0
upsert read 31076 3 1054808 2 0 0
upsert read 30244 1 1054816 2 0 0
upsert read 21664 2 1054840 2 0 0
upsert read 65820 2 1054848 2 0 0
upsert read 55728 3 1054872 2 0 0
upsert read 69236 1 1054880 2 0 0
upsert read 56560 2 1054888 2 0 0
upsert read 24808 3 1054896 2 0 0
upsert read 3852 3 1054936 2 0 0
upsert read 18492 3 1054952 2 0 0
upsert read 57124 1 1054960 2 0 0
upsert read 38260 1 1054968 2 0 0
upsert read 57428 2 1054976 2 0 0
upsert read 45220 1 1054992 2 0 0
upsert read 19368 3 1055000 2 0 0
upsert read 9472 3 1055008 2 0 0
upsert read 34828 3 1055016 2 0 0
upsert read 28672 2 1055024 2 0 0
upsert read 65472 3 1055072 2 0 0
upsert read 22656 2 1055088 2 0 0
upsert read 14800 1 1055096 2 0 0
upsert read 66584 2 1055104 2 0 0
upsert read 25064 1 1055128 2 0 0
upsert read 50544 1 1055136 2 0 0
upsert read 628 3 1055152 2 0 0
upsert read 31116 1 1055176 2 0 0
upsert read 60744 2 1055184 2 0 0
upsert read 71540 3 1055200 2 0 0
upsert read 63108 2 1055208 2 0 0
upsert read 18604 3 1055224 2 0 0
upsert read 28952 1 1055232 2 0 0
upsert read 15588 2 1055248 2 0 0
upsert read 53752 2 1055256 2 0 0
upsert read 50820 2 1055264 2 0 0
upsert read 66256 2 1055280 2 0 0
upsert read 66548 3 1055288 2 0 0
upsert read 2360 1 1055296 2 0 0
upsert read 69916 2 1055320 2 0 0
upsert read 66636 1 1055344 2 0 0
upsert read 61600 1 1055384 2 0 0
upsert read 30488 1 1055392 2 0 0
upsert read 42484 1 1055408 2 0 0
upsert read 15540 3 1055416 2 0 0
upsert read 31240 3 1055424 2 0 0
upsert read 15516 2 1055432 2 0 0
upsert read 65156 3 1055440 2 0 0
upsert read 25420 3 1055464 2 0 0
upsert read 18192 3 1055480 2 0 0
upsert read 70244 1 1055488 2 0 0
upsert read 76840 2 1055496 2 0 0
upsert read 11736 3 1055504 2 0 0
upsert read 23504 1 1055560 2 0 0
upsert read 3764 1 1055568 2 0 0
upsert read 67148 3 1055584 2 0 0
upsert read 52108 2 1055600 2 0 0
upsert read 26216 3 1055624 2 0 0
upsert read 13264 3 1055632 2 0 0
upsert read 77604 1 1055640 2 0 0
add read 0xffffffffffffffff 1 9438068 2 0 0
upsert read 69700 1 1055960 2 0 0
remove read 0x8000000000000000 4
`;

/*
 * The same search, seed 1815, shrunk: the key above FUSE_IEXT_KEY_INVALID
 * reaches fuse_iext_update_node. Lines 4-67 leave a height-2 tree with a
 * full root; line 57's record at LLONG_MAX (two bytes across 2^63) sorts
 * last. Line 66 adds a record at 0xfffffffffffffff0 (loff_t -16, SPEC
 * 8.2): find_level takes the full root's last leaf, the record goes in
 * first there, and that leaf's key becomes 0xfffffffffffffff0. Line 68's
 * upsert splits the root (height 3, a root of two entries). Line 69's
 * remove from 2^63 cuts the record at -16 from the left
 * (fuse_iext_del_mapping, l_fill): fuse_iext_update_extent moves the
 * first record of that leaf, and before its pre_update tracepoint
 * fuse_iext_update_node walks down from the root by the old key, past the
 * root's two entries into its empty slots, to the NULL pointer of the last
 * one, which it dereferences (the C's SIGSEGV).
 */
const UPDATE_NODE_NULL = `geometry fuse
blocksize 1
maxbytes 0xffffffffffffffff
upsert read 44364 1 1054528 2 0 0
upsert read 52048 1 1054536 2 0 0
upsert read 37412 3 1054544 2 0 0
upsert read 72476 2 1054552 2 0 0
upsert read 15144 1 1054568 2 0 0
upsert read 14644 3 1054576 2 0 0
upsert read 2448 2 1054584 2 0 0
upsert read 7596 2 1054592 2 0 0
upsert read 1164 2 1054608 2 0 0
upsert read 59236 1 1054616 2 0 0
upsert read 28908 2 1054624 2 0 0
upsert read 67520 1 1054632 2 0 0
upsert read 15100 1 1054648 2 0 0
upsert read 46392 3 1054656 2 0 0
upsert read 39388 2 1054672 2 0 0
upsert read 17088 1 1054680 2 0 0
upsert read 64708 1 1054688 2 0 0
upsert read 56692 1 1054696 2 0 0
upsert read 15472 2 1054720 2 0 0
upsert read 24636 1 1054728 2 0 0
upsert read 12600 2 1054736 2 0 0
upsert read 70120 2 1054744 2 0 0
remove read 37184 237
upsert read 69080 2 1054760 2 0 0
upsert read 60628 3 1054768 2 0 0
upsert read 16708 2 1054792 2 0 0
upsert read 23516 1 1054808 2 0 0
upsert read 6408 3 1054824 2 0 0
upsert read 25060 1 1054832 2 0 0
upsert read 10596 3 1054896 2 0 0
upsert read 46144 3 1054904 2 0 0
upsert read 64808 2 1054912 2 0 0
upsert read 67168 1 1055032 2 0 0
upsert read 42472 3 1055040 2 0 0
upsert read 55328 2 1055088 2 0 0
upsert read 63464 1 1055128 2 0 0
upsert read 7104 2 1055136 2 0 0
upsert read 35824 2 1055152 2 0 0
upsert read 74004 2 1055160 2 0 0
upsert read 59064 1 1055192 2 0 0
upsert read 34528 2 1055200 2 0 0
upsert read 33036 1 1055224 2 0 0
upsert read 1772 1 1055232 2 0 0
upsert read 69184 1 1055272 2 0 0
upsert read 208 1 1055280 2 0 0
upsert read 25664 3 1055304 2 0 0
upsert read 75056 1 1055328 2 0 0
upsert read 50368 2 1055336 2 0 0
upsert read 19300 2 1055344 2 0 0
upsert read 27040 2 1055376 2 0 0
upsert read 38204 1 1055392 2 0 0
upsert read 44520 2 1055400 2 0 0
upsert read 73072 2 1055416 2 0 0
add read 0x7fffffffffffffff 2 9438040 2 0 0
upsert read 45400 1 1055440 2 0 0
upsert read 44760 3 1055456 2 0 0
upsert read 45248 3 1055464 2 0 0
upsert read 40360 3 1055480 2 0 0
upsert read 70012 2 1055488 2 0 0
upsert read 71960 1 1055496 2 0 0
upsert read 2260 1 1055512 2 0 0
upsert read 52672 1 1055520 2 0 0
add read 0xfffffffffffffff0 1 9438053 2 0 0
upsert read 71992 3 1055536 2 0 0
upsert read 70548 1 1055576 2 0 0
remove read 0x8000000000000000 4
`;

/*
 * Shrunk from the zero kind, seed 30002 (found where the C is memory-clean:
 * a difference of the model). Line 5 stores a zero-length record at 0xc,
 * in slot 2 before 0x20+4 (slot 3). Line 6's upsert removes 7+3 (slot 1):
 * fuse_iext_remove's scan from slot 1 stops at the zero-length record, so
 * it clears slot 1 and if_bytes drops to three records while 0x20+4 still
 * sits in slot 3; its add then has fuse_iext_realloc_root zero the new
 * block from if_bytes on, which wipes 0x20+4. Line 7's add writes over the
 * zero-length record, so a dump would walk on into slot 3: empty in the C.
 * (The model took the bytes past if_bytes for zero already.)
 */
const REALLOC_MEMSET = `geometry fuse
add read 3 4 0x10000003 2 0 1
add read 7 3 0x20000007 2 0 1
add read 0x20 4 0x30000020 2 0 1
add read 0xc 0 0 0 0 0
upsert read 4 6 0xffffffffffffffff 0 0 0
upsert read 7 4 0x40000007 2 0 1
dump read
`;

/**
 * n mapped records at i * 0x20000, 0x8000 long (flags alternate, so none
 * merge), added in the order i * mult mod n: a tree of height 3 whose
 * leaves and nodes are partly full.
 */
function stridedAdds(n: number, mult: number): string {
  return Array.from({ length: n }, (_, k) => {
    const off = BigInt((k * mult) % n) * 0x20000n;
    return `add write 0x${off.toString(16)} 0x8000 0x${(0x1000_0000n + off).toString(16)} 2 ${(k * mult) % n % 2} 1`;
  }).join('\n');
}

/*
 * Nodes, not only leaves (USE_AFTER_FREE): found by a sweep of the model
 * over tall trees with USE_AFTER_FREE's two ingredients (a record ending
 * past LLONG_MAX, a remove from a negative offset), then shrunk to the two
 * commands after the adds. The remove trims the first record of each leaf
 * to the wrapped end and back (fuse_iext_update_extent), and each walk back
 * in fuse_iext_update_node stops early and leaves that wrapped end as a key
 * in the nodes above; the same remove then empties leaves, and
 * fuse_iext_remove_node, looking them up by those keys, frees leaves and
 * then a level-2 node while dropping another slot (its
 * ASSERT(node->ptrs[pos] == victim) is compiled out). What reads the freed
 * node next, still in that remove:
 *   - NODE_UAF_ROOT: the root keeps only the freed node and collapses onto
 *     it (if_data points at freed memory); fuse_iext_update_node's walk
 *     from the root reads it;
 *   - NODE_UAF_SIBLING: fuse_iext_rebalance_node reads it as the next
 *     sibling of an under-full node (fuse_iext_node_nr_entries);
 *   - NODE_UAF_POS: find_level returns it at level 2 and
 *     fuse_iext_remove_node's node_pos reads it.
 */
const NODE_UAF_HEAD = 'geometry fuse\nblocksize 4096\nmaxbytes 0xffffffffffffffff\n';
const NODE_UAF_ROOT = `${NODE_UAF_HEAD}${stridedAdds(120, 7)}
upsert write 0x7fffffffffff8000 0x80000000003a8000 0 2 0 1
remove write 0xfffffffffffc0000 0x2
`;
const NODE_UAF_SIBLING = `${NODE_UAF_HEAD}${stridedAdds(300, 13)}
upsert write 0x7ffffffffffff000 0x80000000013e8000 0 2 0 1
remove write 0xffffffffffd20000 0x2
`;
const NODE_UAF_POS = `${NODE_UAF_HEAD}${stridedAdds(300, 13)}
upsert write 0x7fffffffffff5000 0x800000000127d000 0 2 0 1
remove write 0xffffffffffc70000 0x2
`;

describe('seed bugs the native build shows', () => {
  it("fuse_iext_realloc_root's memset from if_bytes wipes a record a remove left past if_bytes, behind a zero-length one", () => {
    const f = join(work, 'realloc-memset.scenario');
    writeFileSync(f, REALLOC_MEMSET);
    expect(memoryErrors(f)).toBe('');
    const c = nativeOutcome(f);
    expect(c.out.split('\n').slice(-5).join('\n')).toBe(
      'fork read count 5 height 1 seq 9\n  3+1 addr 10000003 type 2 flags 0 dev 1\n  4+3 addr ffffffffffffffff type 0 flags 0 dev 0\n  7+4 addr 40000007 type 2 flags 0 dev 1\n',
    );
    expect(modelOutcome(f)).toEqual({ out: c.out, stoppedAt: 0, error: undefined });
    // without the zero-length record the remove's scan reaches 0x20+4 and moves it down: nothing is wiped
    const g = join(work, 'realloc-memset-without-5.scenario');
    writeFileSync(g, REALLOC_MEMSET.replace('add read 0xc 0 0 0 0 0\n', ''));
    expect(nativeOutcome(g).out).toContain('\n  20+4 addr 30000020 type 2 flags 0 dev 1\n');
    expect(compare('realloc-memset-without-5', REALLOC_MEMSET.replace('add read 0xc 0 0 0 0 0\n', '')).stoppedAt).toBe(0);
  });

  it('fuse_iext_realloc_root frees the root block a leaf left out by a collapse still points at; a remove walks into it', () => {
    const f = join(work, 'realloc-use-after-free.scenario');
    writeFileSync(f, REALLOC_USE_AFTER_FREE);
    const report = memoryErrors(f);
    expect(report).toMatch(/ERROR: AddressSanitizer: heap-use-after-free .*\n(READ of size 8 .*\n)?\s+#0 .* in fuse_iext_prev gen\/iomap_cache\.c:\d+\n\s+#1 .* in fuse_iext_del_mapping /);
    const freed = report.slice(report.indexOf('freed by thread'), report.indexOf('previously allocated'));
    expect(freed).toMatch(/in krealloc [^]*in fuse_iext_realloc_root [^]*in fuse_iext_insert_raw /);
    expect(report.trimEnd().split('\n').at(-1)).toBe(`${f}:22: the seed's code made the memory error reported above`);
    const m = modelOutcome(f);
    expect(m.stoppedAt).toBe(22);
    expect(m.error).toMatch(/^memory error in fuse_iext_prev: reads a leaf that fuse_iext_realloc_root's krealloc freed when it moved the root, .*: a use-after-free$/);
    expect(compare('realloc-use-after-free', REALLOC_USE_AFTER_FREE)).toEqual({ lines: 18, stoppedAt: 22 });
  });

  /**
   * A scenario where the seed's C dereferences NULL (the driver's SIGSEGV,
   * exit 3) at line `at` and is memory-clean before it, the model stopping
   * there with `oops`; and where both run to the end alike without the
   * high-keyed record (line `record`) or without the root split (line
   * `split`), each line checked to be the one meant.
   */
  function expectNullOops(name: string, text: string, at: number, oops: string, record: [number, string], split: [number, string]): void {
    const f = join(work, `${name}.scenario`);
    writeFileSync(f, text);
    expect(memoryErrors(f)).toBe('');
    expect(nativeOutcome(f).stoppedAt).toBe(at);
    const m = modelOutcome(f);
    expect(m.stoppedAt).toBe(at);
    expect(m.error).toBe(oops);
    const commands = commandLines(text).filter((c) => c.line < at).length;
    expect(compare(name, text)).toEqual({ lines: commands, stoppedAt: at });
    const lines = text.split('\n');
    for (const [line, want] of [record, split]) {
      expect(lines[line - 1]).toBe(want);
      const without = [...lines.slice(0, line - 1), ...lines.slice(line)].join('\n');
      expect(compare(`${name}-without-${line}`, without), `without line ${line}`).toEqual({ lines: commands, stoppedAt: 0 });
    }
  }

  it('fuse_iext_remove_node finds a NULL parent for a leaf keyed above FUSE_IEXT_KEY_INVALID and dereferences it (an oops)', () => {
    expectNullOops('remove-node-null-parent', REMOVE_NODE_NULL_PARENT, 70, 'kernel oops in fuse_iext_remove_node: no parent node for the victim', [68, 'add read 0xffffffffffffffff 1 9438068 2 0 0'], [69, 'upsert read 69700 1 1055960 2 0 0']);
  });

  it('fuse_iext_update_node walks from the root by a key above FUSE_IEXT_KEY_INVALID into a NULL slot (an oops)', () => {
    expectNullOops('update-node-null', UPDATE_NODE_NULL, 69, 'kernel oops in fuse_iext_update_node: NULL node on the path', [66, 'add read 0xfffffffffffffff0 1 9438053 2 0 0'], [68, 'upsert read 70548 1 1055576 2 0 0']);
  });

  it('fuse_iext_realloc_root leaves records uninitialized when if_bytes counts zero-length records; a scan reads them', () => {
    const f = join(work, 'uninitialized-root.scenario');
    writeFileSync(f, UNINITIALIZED_ROOT);
    expect(memoryErrors(f)).toBe('');
    // the C's .out depends on the fill of fresh memory: a record of 0xbe bytes, or none
    const be = sanitizedWithFill(f, 0xbe);
    const zero = sanitizedWithFill(f, 0);
    expect(be.stdout).toContain('\n  bebebebebebebebe+bebebebebebebebe addr bebebebebebebebe type 48830 flags bebe dev 3200171710\n');
    expect(zero.stdout).toBe(be.stdout.replace(/ {2}bebebebebebebebe\+.*\n/, ''));
    // the model stops at line 6, where the C reads the record, after the same .out
    const m = modelOutcome(f);
    expect(m.stoppedAt).toBe(6);
    expect(m.error).toMatch(UNINITIALIZED);
    expect(m.error).toContain('memory error in fuse_iext_leaf_nr_entries: reads record 1 of the root leaf');
    expect(m.out).toBe(zero.stdout.split('\n').slice(0, 4).join('\n') + '\n');
    expect(compare('uninitialized-root', UNINITIALIZED_ROOT).stoppedAt).toBe(6);
    // without the zero-length record of line 2 the root is never short of if_bytes: the model runs to the end like the C
    const clean = UNINITIALIZED_ROOT.replace('add read 0x1000 0 0 2 0 1\n', '');
    expect(compare('uninitialized-root-without-2', clean)).toEqual({ lines: 7, stoppedAt: 0 });
  });

  it('a lookup reads the one-record root fuse_iext_alloc_root made while if_bytes counted more: out of bounds, as ASan says', () => {
    // lines 1-5 of UNINITIALIZED_ROOT leave a one-record root block with if_bytes at two records
    const text = UNINITIALIZED_ROOT.split('\n').slice(0, 5).join('\n') + '\nlookup read 0x5000 0x1000\n';
    const f = join(work, 'root-out-of-bounds.scenario');
    writeFileSync(f, text);
    const report = memoryErrors(f);
    expect(report).toMatch(/ERROR: AddressSanitizer: heap-buffer-overflow .*\n(READ of size 8 .*\n)?\s+#0 .* in fuse_iext_rec_is_empty gen\/iomap_cache\.c:\d+\n\s+#1 .* in fuse_iext_lookup_extent /);
    expect(report).toMatch(/ is located 16 bytes (to the right of|after) 32-byte region /);
    expect(report.trimEnd().split('\n').at(-1)).toBe(`${f}:6: the seed's code made the memory error reported above`);
    const m = modelOutcome(f);
    expect(m.stoppedAt).toBe(6);
    expect(m.error).toBe(
      "memory error in fuse_iext_lookup_extent: reads record 1 of the root leaf, past its 32-byte block (if_bytes counts zero-length records the block was not sized for, as after fuse_iext_alloc_root's one-record allocation): a heap out-of-bounds read",
    );
    expect(m.out).toBe(nativeOutcome(f).out.split('\n').slice(0, 4).join('\n') + '\n');
    expect(compare('root-out-of-bounds', text)).toEqual({ lines: 4, stoppedAt: 6 });
  });

  it('fuse_iext_remove_node frees a leaf its parent still points to; the next lookup reads it (use-after-free)', () => {
    const f = join(work, 'use-after-free.scenario');
    writeFileSync(f, USE_AFTER_FREE);
    const report = memoryErrors(f);
    expect(report).toMatch(/ERROR: AddressSanitizer: heap-use-after-free .*\n(READ of size 8 .*\n)?\s+#0 .* in fuse_iext_rec_is_empty gen\/iomap_cache\.c:\d+\n\s+#1 .* in fuse_iext_lookup_extent /);
    // freed by the remove of line 12 (a remove, not the upsert's)
    const freed = report.slice(report.indexOf('freed by thread'));
    expect(freed).toMatch(/in fuse_iext_remove_node gen\/iomap_cache\.c[^]*in fuse_iext_rebalance_leaf [^]*in fuse_iext_remove [^]*in fuse_iomap_cache_remove [^]*in run [^]*driver\.c/);
    expect(freed.slice(0, freed.indexOf('previously allocated'))).not.toContain('fuse_iomap_cache_upsert');
    expect(report.trimEnd().split('\n').at(-1)).toBe(`${f}:13: the seed's code made the memory error reported above`);
    // the model keeps the freed leaf out of reuse and stops at the read, on the same line, with the same output before it
    const m = modelOutcome(f);
    expect(m.stoppedAt).toBe(13);
    expect(m.out).toBe(nativeOutcome(f).out.split('\n').slice(0, 11).join('\n') + '\n');
    expect(() => runScenario(parseScenario(USE_AFTER_FREE, 'uaf'), {})).toThrow(/memory error in fuse_iext_lookup_extent: reads a leaf that fuse_iext_remove_node freed/);
    // without the record that ends past LLONG_MAX the same commands are clean
    const g = join(work, 'use-after-free-without-11.scenario');
    writeFileSync(g, USE_AFTER_FREE.replace('upsert write 0x7ffffffffffff000 0x800000000000f000 0 2 0 1\n', ''));
    expect(memoryErrors(g)).toBe('');
  });

  const nodeCases: Array<[string, string, number, RegExp, string]> = [
    ['node-uaf-root', NODE_UAF_ROOT, 125, /#0 .* in fuse_iext_update_node gen\/iomap_cache\.c:\d+\n\s+#1 .* in fuse_iext_remove /, 'fuse_iext_update_node'],
    ['node-uaf-sibling', NODE_UAF_SIBLING, 305, /#0 .* in fuse_iext_node_nr_entries gen\/iomap_cache\.c:\d+\n\s+#1 .* in fuse_iext_rebalance_node /, 'fuse_iext_rebalance_node'],
    ['node-uaf-pos', NODE_UAF_POS, 305, /#0 .* in fuse_iext_key_cmp gen\/iomap_cache\.c:\d+\n\s+#1 .* in fuse_iext_node_pos [^\n]*\n\s+#2 .* in fuse_iext_remove_node /, 'fuse_iext_remove_node'],
  ];
  for (const [name, text, line, read, func] of nodeCases) {
    it(`fuse_iext_remove_node frees a node its parent still points to; ${func} reads it (use-after-free, ${name})`, () => {
      const f = join(work, `${name}.scenario`);
      writeFileSync(f, text);
      const report = memoryErrors(f);
      expect(report).toMatch(/ERROR: AddressSanitizer: heap-use-after-free .*\n(READ of size 8 .*\n)?\s+#0 /);
      expect(report).toMatch(read);
      // a node (kzalloc'd by fuse_iext_alloc_node), freed by fuse_iext_remove_node
      const freed = report.slice(report.indexOf('freed by thread'), report.indexOf('previously allocated'));
      expect(freed).toMatch(/in fuse_iext_remove_node gen\/iomap_cache\.c[^]*in fuse_iext_rebalance_leaf [^]*in fuse_iomap_cache_remove /);
      expect(report.slice(report.indexOf('previously allocated'))).toMatch(/in fuse_iext_alloc_node /);
      expect(report.trimEnd().split('\n').at(-1)).toBe(`${f}:${line}: the seed's code made the memory error reported above`);
      // the model keeps the freed node out of reuse and stops at that read, naming the C function, after the C's .out
      const m = modelOutcome(f);
      expect(m.error).toMatch(new RegExp(`^memory error in ${func}: reads a node that fuse_iext_remove_node freed while its parent kept pointing at it .*: a use-after-free$`));
      expect(compare(name, text)).toEqual({ lines: line - 4, stoppedAt: line });
      // without the record that ends past LLONG_MAX the same commands are clean, in the C and the model alike
      const clean = text.replace(/\nupsert write 0x7f[^\n]*/, '');
      expect(compare(`${name}-without-upsert`, clean)).toEqual({ lines: line - 4, stoppedAt: 0 });
    });
  }
});

describe('the model against the native build of the seed (differential)', () => {
  const grow: Array<[number, number]> = [
    [1, 2_000],
    [2, 2_000],
    [3, 10_000],
    [4, 10_000],
    [5, 40_000],
    [6, 40_000],
    [7, 120_000],
  ];
  for (const [seed, commands] of grow) {
    it(`grow, seed ${seed}, ${commands} commands: the same .out`, () => {
      const { lines } = compare(`grow-${seed}-${commands}`, generateGrow({ commands, seed }));
      expect(lines).toBeGreaterThan(commands);
    });
  }

  // Seeds whose runs are memory-clean in the seed's C (checked by compare). Of high seeds 20000-20399,
  // 20068, 20095, 20151, 20171, 20274, 20373 (use-after-free) and 20318 (double free) are not.
  const runs: Array<[MixedKind, number, number]> = [
    ...Array.from({ length: 48 }, (_, i): [MixedKind, number, number] => ['mixed', 100 + i, 600]),
    ...Array.from({ length: 12 }, (_, i): [MixedKind, number, number] => ['mixed', 148 + i, 6_000]),
    ...Array.from({ length: 40 }, (_, i): [MixedKind, number, number] => ['edges', 9000 + i, 400]),
    ...Array.from({ length: 40 }, (_, i): [MixedKind, number, number] => ['high', 20000 + i, 400]),
    // the high seeds of 20000-20399 where the C makes memory errors (use-after-free, 20318 a double free)
    ...[20068, 20095, 20151, 20171, 20274, 20318, 20373].map((seed): [MixedKind, number, number] => ['high', seed, 400]),
    // zero: of seeds 30000-30059, the C makes memory errors ASan reports on 20 (reads past a one-record root,
    // use-after-free) and reads root records krealloc left uninitialized on 7 (UNINITIALIZED_ROOT below)
    ...Array.from({ length: 60 }, (_, i): [MixedKind, number, number] => ['zero', 30000 + i, 400]),
    // and the seeds of 30060-30459 where the model differed from the C before REALLOC_MEMSET's fix
    ...[30064, 30106, 30145, 30206, 30235, 30249, 30330, 30340, 30454].map((seed): [MixedKind, number, number] => ['zero', seed, 400]),
    // seeds where UBSan, not ASan, stops the C (index out of bounds in fuse_iext_insert_raw and
    // fuse_iext_leaf_nr_entries): its report names the scenario line only through the driver's SIGABRT handler
    ...[50010, 50028, 50059, 50146].map((seed): [MixedKind, number, number] => ['zero', seed, 300]),
    // a read 16 bytes past a one-record root (fuse_iext_alloc_root's 32 bytes) that ASan, whose chunks of that
    // size class lie back to back, reports as a use-after-free of the freed block next to it (a sweep of zero
    // seeds 88000-88099 at 600 commands found it; valgrind confirms the read past the block)
    ['zero', 88043, 600],
  ];
  // tall (generateTall): trees of height 3, then now and then a key above FUSE_IEXT_KEY_INVALID; seeds 1-24, and
  // those whose runs end in fuse_iext_remove_node's (29, 42) and fuse_iext_update_node's (686, 1815) NULL oopses
  for (const seed of [...Array.from({ length: 24 }, (_, i) => 1 + i), 29, 42, 686, 1815]) {
    it(`tall, seed ${seed}: the same .out, stopping at the same line`, () => {
      expect(compare(`tall-${seed}`, generateTall(seed)).lines).toBeGreaterThan(0);
    });
  }
  let highStops = 0;
  for (const [kind, seed, commands] of runs) {
    it(`${kind}, seed ${seed}, ${commands} commands: the same .out${kind === 'high' ? ', stopping at the same line' : ''}`, () => {
      const { stoppedAt } = compare(`${kind}-${seed}-${commands}`, generateMixed(seed, commands, kind));
      if (stoppedAt && kind === 'high') highStops++;
    });
  }
  it('the high runs reached the places where the C would oops or hang (and the model stopped there too)', () => {
    expect(highStops).toBeGreaterThanOrEqual(10);
  });
});
