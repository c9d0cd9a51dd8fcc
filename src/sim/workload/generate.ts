// SPDX-License-Identifier: GPL-2.0-only
/*
 * fio jobs -> request streams. What each option does to the stream follows
 * fio's documentation: files are laid out before the job runs (written for
 * read jobs and overwrite=1, fallocated per fallocate= for write jobs),
 * numjobs clones each get their own files unless filename= names shared
 * ones, I/O goes round-robin over a job's files, random modes visit every
 * block once per pass (fio's random map) unless norandommap=1, loops=N
 * repeats the pass, fsync=N syncs after every N writes. The random numbers
 * come from our own generator seeded by randseed and the clone number.
 */
import { type FioJob, parseFio } from './fio.js';
import { Rng, permutation } from '../rng.js';
import type { FileSetup, Layout, Op, Thread, Workload } from './types.js';

/** How a job's files exist before it runs. */
function layoutOf(job: FioJob): Layout {
  if (job.engine === 'falloc') return job.simFalloc === 'prealloc' && !job.rw.endsWith('trim') ? 'empty' : 'written';
  const reads = job.rw === 'read' || job.rw === 'randread' || job.rw === 'rw' || job.rw === 'randrw';
  if (reads || job.overwrite) return 'written';
  switch (job.fallocate) {
    case 'none':
      return 'empty';
    case 'truncate':
      return 'sparse';
    case 'keep':
      return 'prealloc-keep';
    default:
      return 'prealloc';
  }
}

/** Where a file's offsets come from: sequential with stride, or a random map. */
class Cursor {
  private pos: number;
  private perm: Uint32Array | null = null;
  private permAt = 0;
  private readonly slots: number;

  constructor(
    private readonly job: FioJob,
    private readonly base: number,
    private readonly region: number,
    private readonly rng: Rng,
  ) {
    this.pos = base;
    this.slots = Math.max(1, Math.floor(region / job.bs));
  }

  next(): number {
    const { job } = this;
    if (job.rw.startsWith('rand')) {
      if (job.norandommap) return this.base + this.rng.below(this.slots) * job.bs;
      if (!this.perm || this.permAt === this.perm.length) {
        this.perm = permutation(this.slots, this.rng);
        this.permAt = 0;
      }
      return this.base + this.perm[this.permAt++] * job.bs;
    }
    // An append region is unbounded; other regions wrap as fio does.
    if (!job.fileAppend && this.pos + job.bs > this.base + this.region) this.pos = this.base;
    const at = this.pos;
    this.pos += job.bs + job.stride;
    return at;
  }
}

function cloneOps(job: FioJob, files: number[], fileSizes: number[], copySources: number[], rng: Rng): Op[] {
  const ops: Op[] = [];
  const cursors = files.map((f, i) => {
    const base = job.fileAppend ? fileSizes[i] : job.offset;
    const region = job.fileAppend ? Number.MAX_SAFE_INTEGER : Math.max(0, job.filesize - job.offset);
    return new Cursor(job, base, region, rng);
  });
  const perLoop = Math.floor((job.ioSize || job.size) / job.bs);
  let writes = 0;
  let ios = 0;
  for (let loop = 0; loop < job.loops; loop++) {
    for (let n = 0; n < perLoop; n++) {
      const fi = n % files.length; // file_service_type=roundrobin
      const file = files[fi];
      const off = cursors[fi].next();
      let isWrite: boolean;
      switch (job.rw) {
        case 'read':
        case 'randread':
          isWrite = false;
          break;
        case 'rw':
        case 'randrw':
          isWrite = rng.below(100) >= job.rwmixread;
          break;
        default:
          isWrite = true;
      }
      if (job.engine === 'falloc') {
        const mode = job.rw === 'trim' || job.rw === 'randtrim' ? 'punch' : job.simFalloc;
        ops.push({ op: 'fallocate', file, mode, off, len: job.bs });
      } else if (job.engine === 'copy') {
        ops.push({ op: 'copy', src: copySources[fi], dst: file, srcOff: off, dstOff: off, len: job.bs });
      } else {
        ops.push({ op: isWrite ? 'write' : 'read', file, off, len: job.bs, direct: job.direct });
      }
      ios++;
      if (isWrite) {
        writes++;
        if (job.fsync > 0 && writes % job.fsync === 0) ops.push({ op: 'fsync', file });
        else if (!job.direct && job.engine === 'sync' && job.simWritebackEvery > 0 && writes % job.simWritebackEvery === 0)
          ops.push({ op: 'kick-writeback', file });
      }
      if (job.simTruncateEvery > 0 && ios % job.simTruncateEvery === 0) ops.push({ op: 'truncate', file, size: job.simTruncateTo });
      if (job.simOtruncEvery > 0 && ios % job.simOtruncEvery === 0) ops.push({ op: 'open-trunc', file });
    }
  }
  if (job.endFsync) for (const file of files) ops.push({ op: 'fsync', file });
  return ops;
}

/** Turn parsed fio jobs into a workload: files, threads, request streams. */
export function workloadFromJobs(jobs: FioJob[], name = jobs.map((j) => j.name).join('+')): Workload {
  const files: FileSetup[] = [];
  const byName = new Map<string, number>();
  const fileFor = (fname: string, size: number, layout: Layout): number => {
    let id = byName.get(fname);
    if (id === undefined) {
      id = files.length;
      files.push({ name: fname, size, layout });
      byName.set(fname, id);
    }
    return id;
  };
  const initialSize = (l: Layout, size: number) => (l === 'empty' || l === 'prealloc-keep' ? 0 : size);

  const threads: Thread[] = [];
  let phase = 0;
  jobs.forEach((job, ji) => {
    if (job.stonewall && ji > 0) phase++;
    const layout = layoutOf(job);
    for (let c = 0; c < job.numjobs; c++) {
      const names = job.filenames.length > 0 ? job.filenames : Array.from({ length: job.nrfiles }, (_, f) => `${job.name}.${c}.${f}`);
      const ids = names.map((n) => fileFor(n, job.filesize, layout));
      const sources = job.engine === 'copy' ? names.map((n) => fileFor(`${n}.src`, job.filesize, 'written')) : [];
      const sizes = ids.map((id) => initialSize(files[id].layout, files[id].size));
      const rng = new Rng(job.randseed).fork(c);
      threads.push({ name: `${job.name}.${c}`, phase, ops: cloneOps(job, ids, sizes, sources, rng) });
    }
  });
  const defrag = jobs.reduce((m, j) => (j.simDefragEvery > 0 && (m === 0 || j.simDefragEvery < m) ? j.simDefragEvery : m), 0);
  return defrag > 0 ? { name, files, threads, defragEvery: defrag } : { name, files, threads };
}

/** Parse a fio job file and generate its workload. */
export function workloadFromFio(text: string, file = 'job.fio'): Workload {
  return workloadFromJobs(parseFio(text, file), file.replace(/^.*\//, '').replace(/\.fio$/, ''));
}
