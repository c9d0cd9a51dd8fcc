// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomap-sim simulate [JOB.fio ...]: run fio-style jobs through the modelled
 * kernel and a simulated FUSE server under several caching policies and
 * kernel revisions, print the comparison table, and write report.json and a
 * self-contained report.html. With no JOB it runs the built-in suite
 * (src/sim/suite) under rfc-v3 and v7. docs/reports.md explains the output.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REVISION, revisionByName, revisionNames } from '../cache/revision.js';
import { type ReportJob, reportData } from '../sim/report/data.js';
import { runPool, SimTaskError } from '../sim/report/pool.js';
import { progressBar } from '../sim/report/progress.js';
import { loadSimulator } from '../sim/report/simulator.js';
import { comparisonTable } from '../sim/report/table.js';
import type { SimTask } from '../sim/report/tasks.js';
import { TraceWorkloadError, workloadFromTrace } from '../sim/workload/trace.js';
import type { Workload } from '../sim/workload/types.js';
import { looksLikeJob } from './revisions-job.js';
import { writeReport } from '../sim/report/write.js';
import { SUITE_REVISIONS, SUITE_SEED, suiteJobs } from '../sim/suite/suite.js';
import { type CliCommand, UsageError } from './command.js';

const USAGE = `  iomap-sim simulate [JOB.fio | TRACE ...] [options]
                                      (a TRACE: a captured fuse or xfs trace; its iomap_begin requests are the workload)
                                      run fio-style jobs under caching policies, print the comparison
                                      table, write report.json and report.html (no JOB: the built-in suite)
      --policy NAME                   a policy to compare (repeatable; default: every built-in policy)
      --revision NAME                 kernel revision (repeatable; ${revisionNames().join(', ')};
                                      default: rfc-v3 and v7 for the suite, else ${DEFAULT_REVISION.name})
      --seed S                        seed of the simulated server and scheduler (default ${SUITE_SEED})
      --out DIR                       where the report goes (default: iomap-sim-report)
      --threads N                     worker threads (default: one per core)
      --list-policies                 print the built-in policies and exit
`;

type LoadedJob = ReportJob & { workload?: Workload };

/** A fio job file, or a captured trace (fuse or xfs) whose iomap_begin requests become the workload. */
async function readJob(file: string): Promise<LoadedJob> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read job ${file}: ${(e as Error).message}`);
  }
  if (looksLikeJob(text, file)) return { name: basename(file).replace(/\.fio$/, ''), text };
  const name = basename(file);
  const t = await workloadFromTrace(Readable.from([text]), file, name);
  const w = t.workload;
  return { name, text: `; captured trace ${file}: ${t.requests} iomap_begin requests on ${w.files.length} file(s), from ${t.stats.events} events`, workload: w };
}

async function simulateMain(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      policy: { type: 'string', multiple: true },
      revision: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      threads: { type: 'string' },
      'list-policies': { type: 'boolean' },
    },
  });
  const sim = await loadSimulator();
  const known = sim.listPolicies();
  if (values['list-policies']) {
    for (const p of known) process.stdout.write(`${p.name}\n    ${p.description}\n`);
    return 0;
  }
  const revisions = values.revision ?? (positionals.length ? [DEFAULT_REVISION.name] : [...SUITE_REVISIONS]);
  for (const r of revisions) if (!revisionByName(r)) throw new UsageError(`unknown revision '${r}' (known: ${revisionNames().join(', ')})`);
  const policies = (values.policy ?? known.map((p) => p.name)).map((name) => {
    const p = known.find((k) => k.name === name);
    if (!p) throw new UsageError(`unknown policy '${name}' (known: ${known.map((k) => k.name).join(', ')})`);
    return p;
  });
  const seed = values.seed === undefined ? SUITE_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed '${values.seed}' must be a non-negative integer`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError(`--threads '${values.threads}' must be a positive integer`);
  let jobs: LoadedJob[];
  try {
    jobs = positionals.length ? await Promise.all(positionals.map(readJob)) : suiteJobs();
  } catch (e) {
    if (!(e instanceof TraceWorkloadError)) throw e;
    process.stderr.write(`iomap-sim simulate: ${e.message}\n`);
    return 1;
  }
  const dup = jobs.find((j, i) => jobs.findIndex((k) => k.name === j.name) !== i);
  if (dup) throw new UsageError(`two jobs are named '${dup.name}' (job names are file names without .fio)`);

  const tasks: SimTask[] = jobs.flatMap((j) => revisions.flatMap((revision) => policies.map((p) => (j.workload ? { jobName: j.name, workload: j.workload, policy: p.name, revision, seed } : { jobName: j.name, jobText: j.text, policy: p.name, revision, seed }))));
  const bar = progressBar(tasks.length);
  let runs;
  try {
    runs = await runPool(tasks, { threads, onProgress: (t, d, n) => bar.update(t, d, n), onDone: (t) => bar.finish(t) });
  } catch (e) {
    bar.stop();
    if (e instanceof SimTaskError && e.userError) {
      process.stderr.write(`iomap-sim: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  bar.stop();

  const data = reportData({ command: ['simulate', ...args], seed, revisions, policies, jobs, runs });
  process.stdout.write(comparisonTable(data.figures));
  const violations = runs.filter((r) => r.violations.length > 0);
  for (const r of violations) process.stdout.write(`\n${r.job} / ${r.revision} / ${r.policy}: ${r.violations.length} stale-mapping violation(s), first: ${r.violations[0].what}`);
  if (violations.length) process.stdout.write('\n');
  const out = await writeReport(resolve(values.out ?? 'iomap-sim-report'), data);
  process.stdout.write(`\nreport: ${out.html}\n        ${out.json}\n`);
  return 0;
}

export const simulateCommand: CliCommand = { name: 'simulate', usage: USAGE, run: simulateMain };
