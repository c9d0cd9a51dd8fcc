// SPDX-License-Identifier: GPL-2.0-only
/*
 * `iomap-sim fuzz`: run a fuzz campaign against one target, write every
 * shrunk reproducer into the corpus, print a live status line and a
 * summary. Exit status: 0 nothing broke (findings are reported, not
 * failed on), 1 a failure (or, with --strict, a finding), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_REVISION, revisionByName, revisionNames } from '../cache/revision.js';
import type { Report } from '../fuzz/campaign.js';
import { corpusKeys, writeReport } from '../fuzz/corpus.js';
import { runFuzz } from '../fuzz/runner.js';
import { TARGET_NAMES, type TargetName } from '../fuzz/target.js';
import { type CliCommand, UsageError } from './command.js';

const USAGE = `  iomap-sim fuzz --target ${TARGET_NAMES.join('|')} [options]
                                      fuzz campaign (docs/fuzzing.md); reproducers go to the corpus
      --seconds N                     time budget (default 10; ignored with --runs)
      --runs N                        execution budget instead (deterministic with --seed)
      --seed S                        campaign seed (default: from the clock, printed)
      --workers K                     worker threads, seeds S..S+K-1 (default 1)
      --corpus DIR                    where reproducers are written (default fuzz-corpus)
      --strict                        findings (known seed bugs) fail the run too
      --until-failure                 end the campaign at the first failure
      --revision NAME                 kernel revision of the model (${revisionNames().join(', ')}; default ${DEFAULT_REVISION.name})
      --no-coverage                   no V8 coverage (nor feedback)
      --no-feedback                   coverage figures only, no bias toward unreached branches
      --quiet                         no live status line
`;

function positiveInt(name: string, v: string | undefined, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 2 ** 31) throw new UsageError(`--${name} '${v}' must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return n;
}

function describe(r: Report, where: string): string {
  const first = r.message.split('\n')[0];
  return `${r.kind} ${r.key}: ${r.commands} operation${r.commands === 1 ? '' : 's'}, found after ${(r.foundAfterMs / 1000).toFixed(2)} s (${r.execsBefore} executions)\n  ${first}\n  reproducer: ${where}\n`;
}

export const fuzzCommand: CliCommand = {
  name: 'fuzz',
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        target: { type: 'string' },
        seconds: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        corpus: { type: 'string' },
        strict: { type: 'boolean' },
        'until-failure': { type: 'boolean' },
        revision: { type: 'string' },
        'no-coverage': { type: 'boolean' },
        'no-feedback': { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
    });
    if (positionals.length) throw new UsageError(`fuzz takes no positional arguments (got '${positionals[0]}')`);
    const target = values.target as TargetName | undefined;
    if (!target) throw new UsageError(`fuzz needs --target (${TARGET_NAMES.join(', ')})`);
    if (!(TARGET_NAMES as readonly string[]).includes(target)) throw new UsageError(`unknown target '${target}' (known: ${TARGET_NAMES.join(', ')})`);
    const revision = values.revision === undefined ? DEFAULT_REVISION : revisionByName(values.revision);
    if (!revision) throw new UsageError(`unknown revision '${values.revision}' (known: ${revisionNames().join(', ')})`);
    const runs = positiveInt('runs', values.runs);
    const seconds = values.seconds === undefined ? (runs === undefined ? 10 : undefined) : Number(values.seconds);
    if (seconds !== undefined && !(seconds > 0 && seconds <= 7 * 86400)) throw new UsageError(`--seconds '${values.seconds}' must be a positive number of seconds`);
    const seed = positiveInt('seed', values.seed, true) ?? Date.now() % 2 ** 31;
    const workers = positiveInt('workers', values.workers) ?? 1;
    if (workers > 64) throw new UsageError(`--workers ${workers}: at most 64`);
    const corpus = values.corpus ?? 'fuzz-corpus';
    const coverage = !values['no-coverage'];
    const known = corpusKeys(corpus, target);
    const out = process.stdout;
    const err = process.stderr;
    const live = !values.quiet && err.isTTY === true;
    let statusShown = false;
    const clearStatus = () => {
      if (statusShown) err.write('\r\x1b[K');
      statusShown = false;
    };

    out.write(`fuzz: target ${target}, revision ${revision.name}, seed ${seed}, ${workers} worker${workers === 1 ? '' : 's'}, ${runs !== undefined ? `${runs} executions` : `${seconds} s`}, corpus ${corpus}\n`);
    const summary = await runFuzz({
      target,
      revision: revision.name,
      seed,
      seconds: runs === undefined ? seconds : undefined,
      runs,
      workers,
      coverage,
      feedback: coverage && !values['no-feedback'],
      seen: [],
      untilFailure: values['until-failure'] === true,
      statusMs: live ? 250 : 10_000,
      onStatus: values.quiet
        ? undefined
        : (line) => {
            if (live) {
              err.write(`\r\x1b[K${line}`);
              statusShown = true;
            } else err.write(`${line}\n`);
          },
      onReport: (r) => {
        clearStatus();
        let where: string;
        if (known.has(r.key) && r.kind === 'finding') where = `already in ${corpus} (not written again)`;
        else where = writeReport(corpus, r, revision.name);
        known.add(r.key);
        out.write(describe(r, where));
      },
    });
    clearStatus();

    const failures = summary.reports.filter((r) => r.kind === 'failure');
    const findings = summary.reports.filter((r) => r.kind === 'finding');
    const rate = summary.elapsedMs > 0 ? Math.round((summary.execs * 1000) / summary.elapsedMs) : 0;
    const lines = [
      `summary: ${summary.execs} executions in ${(summary.elapsedMs / 1000).toFixed(1)} s (${rate}/s), ${summary.rounds} rounds`,
      `  failures: ${failures.length}${failures.map((r) => `\n    ${r.key} (${r.commands} operations)`).join('')}`,
      `  findings: ${findings.length}${findings.map((r) => `\n    ${r.key} (${r.commands} operations)`).join('')}`,
    ];
    const cov = summary.coverage;
    if (cov) {
      lines.push(`  coverage: ${cov.blocksHit}/${cov.blocks} blocks, ${cov.functionsHit}/${cov.functions} functions of the model`);
      if (cov.unreachedFunctions.length) lines.push(`  never reached: ${cov.unreachedFunctions.join(', ')}`);
      const partial = Object.entries(cov.perFunction)
        .filter(([, [h, n]]) => h > 0 && h < n)
        .map(([f, [h, n]]) => `${f} ${h}/${n}`);
      if (partial.length) lines.push(`  partly reached (blocks): ${partial.join(', ')}`);
    }
    if (summary.biasLog.length) lines.push(`  coverage feedback:\n    ${summary.biasLog.slice(0, 12).join('\n    ')}`);
    for (const e of summary.errors) lines.push(`  error: ${e}`);
    out.write(lines.join('\n') + '\n');
    if (summary.errors.length || failures.length) return 1;
    if (values.strict && findings.length) return 1;
    return 0;
  },
};
