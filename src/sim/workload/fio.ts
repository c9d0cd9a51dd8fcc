// SPDX-License-Identifier: GPL-2.0-only
/*
 * The subset of fio job files the simulator understands. Filesystem people
 * already describe workloads this way, so a job file that fio accepts and
 * that uses only these options means here what it means to fio. Anything
 * else is an error naming the option and its line: silently ignoring an
 * option would simulate a different workload than the one written.
 * docs/simulator.md lists every option.
 */

export class FioError extends Error {
  constructor(readonly file: string, readonly line: number, readonly option: string | null, readonly reason: string) {
    super(`${file}:${line}: ${option ? `option '${option}': ` : ''}${reason}`);
    this.name = 'FioError';
  }
}

export type RwMode = 'read' | 'write' | 'randread' | 'randwrite' | 'rw' | 'randrw' | 'trim' | 'randtrim';
export type FallocateLayout = 'none' | 'native' | 'posix' | 'keep' | 'truncate';
export type FallocMode = 'prealloc' | 'punch' | 'zero' | 'collapse' | 'insert';
export type Engine = 'sync' | 'falloc' | 'copy';

/** One job after [global] inheritance, every option resolved to a value. */
export interface FioJob {
  name: string;
  /** line of the job's [section] header */
  line: number;
  rw: RwMode;
  /** rw=write:N: bytes skipped after each I/O (sequential only) */
  stride: number;
  bs: number;
  /** bytes per job (split across nrfiles); 0 = filesize x nrfiles */
  size: number;
  /** bytes of I/O per loop; 0 = size */
  ioSize: number;
  offset: number;
  direct: boolean;
  fallocate: FallocateLayout;
  randseed: number;
  norandommap: boolean;
  numjobs: number;
  /** fsync after every N writes (fsync= or fdatasync=), 0 = never */
  fsync: number;
  endFsync: boolean;
  /** explicit file names (shared by every clone), empty = per-clone files */
  filenames: string[];
  nrfiles: number;
  filesize: number;
  loops: number;
  rwmixread: number;
  fileAppend: boolean;
  overwrite: boolean;
  engine: Engine;
  /** stonewall: start after every earlier job has finished */
  stonewall: boolean;
  // simulator extensions (sim_*), see docs/simulator.md
  simFalloc: FallocMode;
  simTruncateEvery: number;
  simTruncateTo: number;
  simOtruncEvery: number;
  simWritebackEvery: number;
  /** the server defragments a file (moves its blocks, then invalidates) after every N I/Os of the run */
  simDefragEvery: number;
}

const DEFAULTS: Omit<FioJob, 'name' | 'line'> = {
  rw: 'read',
  stride: 0,
  bs: 4096,
  size: 0,
  ioSize: 0,
  offset: 0,
  direct: false,
  fallocate: 'native',
  randseed: 0x89,
  norandommap: false,
  numjobs: 1,
  fsync: 0,
  endFsync: false,
  filenames: [],
  nrfiles: 1,
  filesize: 0,
  loops: 1,
  rwmixread: 50,
  fileAppend: false,
  overwrite: false,
  engine: 'sync',
  stonewall: false,
  simFalloc: 'prealloc',
  simTruncateEvery: 0,
  simTruncateTo: 0,
  simOtruncEvery: 0,
  simWritebackEvery: 16,
  simDefragEvery: 0,
};

type Setter = (job: Mutable, value: string | null, fail: (why: string) => never) => void;
type Mutable = { -readonly [K in keyof FioJob]: FioJob[K] };

const MULT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const SIZE_RE = /^(\d+)\s*([kmgtp]?)(i?b)?$/i;

/** fio sizes: 4096, 4k, 4K, 4KiB, 1m, 2g (kb_base=1024). */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]) * MULT[m[2].toLowerCase()];
  return Number.isSafeInteger(v) ? v : undefined;
}

function size(min: number): (v: string | null, fail: (why: string) => never) => number {
  return (v, fail) => {
    if (v === null || v === '') return fail('needs a value');
    const n = parseSize(v);
    if (n === undefined) return fail(`'${v}' is not a size (examples: 4096, 4k, 1m, 2GiB)`);
    if (n < min) return fail(`${v} is below the minimum ${min}`);
    return n;
  };
}

function int(min: number, max = Number.MAX_SAFE_INTEGER): (v: string | null, fail: (why: string) => never) => number {
  return (v, fail) => {
    if (v === null || !/^\d+$/.test(v)) return fail(`'${v ?? ''}' is not a non-negative integer`);
    const n = Number(v);
    if (n < min || n > max) fail(`${v} is outside ${min}..${max}`);
    return n;
  };
}

function bool(v: string | null, fail: (why: string) => never): boolean {
  if (v === null || v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return fail(`'${v}' is not a boolean (0 or 1)`);
}

function oneOf<T extends string>(choices: readonly T[], aliases: Record<string, T> = {}): (v: string | null, fail: (why: string) => never) => T {
  return (v, fail) => {
    if (v === null) return fail(`needs one of ${choices.join(', ')}`);
    if (v in aliases) return aliases[v];
    if (!(choices as readonly string[]).includes(v)) fail(`'${v}' is not one of ${choices.join(', ')}`);
    return v as T;
  };
}

const RW_MODES: RwMode[] = ['read', 'write', 'randread', 'randwrite', 'rw', 'randrw', 'trim', 'randtrim'];
const rwMode = oneOf(RW_MODES, { readwrite: 'rw' });

const setRw: Setter = (job, v, fail) => {
  if (v === null) return fail('needs a value');
  const [mode, stride] = v.split(':', 2);
  job.rw = rwMode(mode, fail);
  job.stride = 0;
  if (stride !== undefined) {
    if (job.rw.startsWith('rand')) fail(`'${v}': a ':N' suffix is only supported on sequential modes (a stride)`);
    job.stride = size(0)(stride, fail);
  }
};

const ENGINES: Record<string, Engine> = {
  sync: 'sync',
  psync: 'sync',
  vsync: 'sync',
  pvsync: 'sync',
  pvsync2: 'sync',
  libaio: 'sync',
  io_uring: 'sync',
  posixaio: 'sync',
  falloc: 'falloc',
  sim_copy: 'copy',
};

/** Options fio has that change nothing in the simulation (queue depth, reporting, naming). */
const NO_EFFECT = new Set(['iodepth', 'thread', 'group_reporting', 'description', 'randrepeat', 'invalidate', 'name', 'create_serialize']);

const OPTIONS: Record<string, Setter> = {
  rw: setRw,
  readwrite: setRw,
  bs: (j, v, f) => {
    if (v !== null && /[,-]/.test(v)) f(`'${v}': separate read/write sizes and ranges are not supported; give one size`);
    j.bs = size(512)(v, f);
  },
  blocksize: (j, v, f) => OPTIONS.bs(j, v, f),
  size: (j, v, f) => (j.size = size(1)(v, f)),
  filesize: (j, v, f) => (j.filesize = size(1)(v, f)),
  io_size: (j, v, f) => (j.ioSize = size(1)(v, f)),
  io_limit: (j, v, f) => (j.ioSize = size(1)(v, f)),
  offset: (j, v, f) => (j.offset = size(0)(v, f)),
  direct: (j, v, f) => (j.direct = bool(v, f)),
  buffered: (j, v, f) => (j.direct = !bool(v, f)),
  fallocate: (j, v, f) => (j.fallocate = oneOf<FallocateLayout>(['none', 'native', 'posix', 'keep', 'truncate'], { '0': 'none', '1': 'posix' })(v, f)),
  randseed: (j, v, f) => (j.randseed = int(0, 0xffff_ffff)(v, f)),
  norandommap: (j, v, f) => (j.norandommap = bool(v, f)),
  numjobs: (j, v, f) => (j.numjobs = int(1, 1024)(v, f)),
  fsync: (j, v, f) => (j.fsync = int(0)(v, f)),
  fdatasync: (j, v, f) => (j.fsync = int(0)(v, f)),
  end_fsync: (j, v, f) => (j.endFsync = bool(v, f)),
  fsync_on_close: (j, v, f) => (j.endFsync = bool(v, f)),
  filename: (j, v, f) => {
    if (!v) return f('needs a file name');
    j.filenames = v.split(':').filter((s) => s !== '');
  },
  nrfiles: (j, v, f) => (j.nrfiles = int(1, 4096)(v, f)),
  loops: (j, v, f) => (j.loops = int(1, 1_000_000)(v, f)),
  rwmixread: (j, v, f) => (j.rwmixread = int(0, 100)(v, f)),
  rwmixwrite: (j, v, f) => (j.rwmixread = 100 - int(0, 100)(v, f)),
  file_append: (j, v, f) => (j.fileAppend = bool(v, f)),
  overwrite: (j, v, f) => (j.overwrite = bool(v, f)),
  ioengine: (j, v, f) => {
    if (v === null || !(v in ENGINES)) return f(`'${v ?? ''}' is not a supported engine (${Object.keys(ENGINES).join(', ')})`);
    j.engine = ENGINES[v];
  },
  stonewall: (j, v, f) => (j.stonewall = bool(v, f)),
  wait_for_previous: (j, v, f) => (j.stonewall = bool(v, f)),
  sim_falloc: (j, v, f) => (j.simFalloc = oneOf<FallocMode>(['prealloc', 'punch', 'zero', 'collapse', 'insert'])(v, f)),
  sim_truncate_every: (j, v, f) => (j.simTruncateEvery = int(0)(v, f)),
  sim_truncate_to: (j, v, f) => (j.simTruncateTo = size(0)(v, f)),
  sim_otrunc_every: (j, v, f) => (j.simOtruncEvery = int(0)(v, f)),
  sim_writeback_every: (j, v, f) => (j.simWritebackEvery = int(0)(v, f)),
  sim_defrag_every: (j, v, f) => (j.simDefragEvery = int(0)(v, f)),
};

/** Every option name the parser accepts (for docs and error messages). */
export const FIO_OPTIONS: readonly string[] = [...Object.keys(OPTIONS), ...NO_EFFECT].sort();

interface Section {
  name: string;
  line: number;
  opts: Array<{ key: string; value: string | null; line: number }>;
}

/**
 * Parse a fio job file: [global] sections apply to the jobs after them,
 * every other [section] is a job. Comments start with '#' or ';'.
 */
export function parseFio(text: string, file = 'job.fio'): FioJob[] {
  const lines = text.split(/\r?\n/);
  const sections: Section[] = [];
  let current: Section | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#') || raw.startsWith(';')) continue;
    if (raw.startsWith('[')) {
      const m = /^\[([^\]\s]+)\]$/.exec(raw);
      if (!m) throw new FioError(file, lineNo, null, `malformed section header '${raw}'`);
      current = { name: m[1], line: lineNo, opts: [] };
      sections.push(current);
      continue;
    }
    const eq = raw.indexOf('=');
    const key = (eq < 0 ? raw : raw.slice(0, eq)).trim();
    const value = eq < 0 ? null : raw.slice(eq + 1).trim();
    if (!current) throw new FioError(file, lineNo, key, 'appears before any [section]');
    if (!(key in OPTIONS) && !NO_EFFECT.has(key)) throw new FioError(file, lineNo, key, `unknown option (supported: ${FIO_OPTIONS.join(', ')})`);
    current.opts.push({ key, value, line: lineNo });
  }

  const jobs: FioJob[] = [];
  let global: Mutable = { ...DEFAULTS, name: 'global', line: 0 };
  for (const sec of sections) {
    const target: Mutable = sec.name === 'global' ? global : { ...global, filenames: [...global.filenames], name: sec.name, line: sec.line, stonewall: false };
    for (const o of sec.opts) {
      if (NO_EFFECT.has(o.key)) continue;
      const fail = (why: string): never => {
        throw new FioError(file, o.line, o.key, why);
      };
      OPTIONS[o.key](target, o.value, fail);
    }
    if (sec.name === 'global') global = target;
    else jobs.push(checkJob(target, file));
  }
  if (jobs.length === 0) throw new FioError(file, lines.length, null, 'no job section (a [name] other than [global])');
  return jobs;
}

function checkJob(job: Mutable, file: string): FioJob {
  const fail = (why: string): never => {
    throw new FioError(file, job.line, null, `job '${job.name}': ${why}`);
  };
  if (job.size === 0 && job.filesize === 0) fail('needs size= or filesize=');
  if (job.filenames.length > 0) job.nrfiles = job.filenames.length;
  if (job.filesize === 0) job.filesize = Math.floor(job.size / job.nrfiles);
  if (job.size === 0) job.size = job.filesize * job.nrfiles;
  if (job.filesize < job.bs) fail(`file size ${job.filesize} is smaller than bs=${job.bs}`);
  if (job.offset % 4096 !== 0 && job.direct) fail(`offset=${job.offset} is not block aligned for direct I/O`);
  if ((job.rw === 'trim' || job.rw === 'randtrim') && job.engine !== 'falloc') fail(`rw=${job.rw} needs ioengine=falloc (trims are fallocate punches)`);
  if (job.engine === 'copy' && !(job.rw === 'write' || job.rw === 'randwrite')) fail('ioengine=sim_copy needs rw=write or randwrite');
  return job;
}
