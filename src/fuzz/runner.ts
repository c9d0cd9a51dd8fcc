// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fuzz run: K campaign sessions in worker_threads (seeds S, S+1, ...),
 * or one in this thread for K = 1, with a live status line (execs/s,
 * failures, findings, coverage) and a merged final summary. Reports are
 * deduplicated by violation; of two reproducers for the same one the
 * smaller wins.
 */
import { Worker } from 'node:worker_threads';
import type { Report } from './campaign.js';
import { type CoverageSummary, mergeSummaries } from './coverage.js';
import { runSession, type CoverageFigures, type SessionConfig, type SessionMessage } from './session.js';

export interface RunnerOptions extends Omit<SessionConfig, 'worker' | 'seed'> {
  seed: number;
  workers: number;
  /** called with a new status line at most every statusMs */
  onStatus?: (line: string) => void;
  statusMs?: number;
  /** called once per violation, with the first reproducer found */
  onReport?: (r: Report) => void;
}

export interface RunnerSummary {
  execs: number;
  elapsedMs: number;
  rounds: number;
  /** one per violation (the smallest reproducer found) */
  reports: Report[];
  coverage: CoverageSummary | null;
  biasLog: string[];
  errors: string[];
}

export function statusLine(target: string, s: { execs: number; elapsedMs: number; failures: number; findings: number; coverage: CoverageFigures | null; workers: number }): string {
  const rate = s.elapsedMs > 0 ? Math.round((s.execs * 1000) / s.elapsedMs) : 0;
  const cov = s.coverage && s.coverage.blocks > 0 ? `  coverage ${s.coverage.blocksHit}/${s.coverage.blocks} blocks (${((100 * s.coverage.blocksHit) / s.coverage.blocks).toFixed(1)}%)` : '';
  return `[${target}] ${(s.elapsedMs / 1000).toFixed(1)} s  ${s.workers} worker${s.workers === 1 ? '' : 's'}  execs ${s.execs} (${rate}/s)  failures ${s.failures}  findings ${s.findings}${cov}`;
}

export async function runFuzz(opts: RunnerOptions): Promise<RunnerSummary> {
  const t0 = Date.now();
  const k = Math.max(1, Math.floor(opts.workers));
  const execs = new Array<number>(k).fill(0);
  const covs = new Array<CoverageFigures | null>(k).fill(null);
  const byKey = new Map<string, Report>();
  const done: Extract<SessionMessage, { type: 'done' }>[] = [];
  const errors: string[] = [];
  let lastStatus = 0;
  const statusMs = opts.statusMs ?? 500;

  const status = (force = false) => {
    if (!opts.onStatus) return;
    const now = Date.now();
    if (!force && now - lastStatus < statusMs) return;
    lastStatus = now;
    const reports = [...byKey.values()];
    // coverage: the best worker's figure (they cover the same files)
    const cov = covs.reduce<CoverageFigures | null>((a, c) => (c && (!a || c.blocksHit > a.blocksHit) ? c : a), null);
    opts.onStatus(
      statusLine(opts.target, {
        execs: execs.reduce((a, b) => a + b, 0),
        elapsedMs: now - t0,
        failures: reports.filter((r) => r.kind === 'failure').length,
        findings: reports.filter((r) => r.kind === 'finding').length,
        coverage: cov,
        workers: k,
      }),
    );
  };

  const onMessage = (m: SessionMessage) => {
    switch (m.type) {
      case 'progress':
        execs[m.worker] = m.progress.execs;
        covs[m.worker] = m.coverage;
        status();
        break;
      case 'report': {
        const r = { ...m.report, body: typeof m.report.body === 'string' ? m.report.body : Buffer.from(m.report.body) };
        const prev = byKey.get(r.key);
        if (!prev) opts.onReport?.(r);
        if (!prev || r.commands < prev.commands) byKey.set(r.key, r);
        status(true);
        break;
      }
      case 'done':
        execs[m.worker] = m.execs;
        done.push(m);
        break;
      case 'error':
        errors.push(`worker ${m.worker}: ${m.message}`);
        break;
    }
  };

  const cfg = (i: number): SessionConfig => ({
    target: opts.target,
    revision: opts.revision,
    seed: opts.seed + i,
    seconds: opts.seconds,
    runs: opts.runs === undefined ? undefined : Math.ceil(opts.runs / k),
    coverage: opts.coverage,
    feedback: opts.feedback,
    seen: opts.seen,
    worker: i,
    untilFailure: opts.untilFailure,
  });

  if (k === 1) {
    try {
      await runSession(cfg(0), onMessage);
    } catch (e) {
      errors.push((e as Error).stack ?? String(e));
    }
  } else {
    const url = new URL('./worker.js', import.meta.url);
    await Promise.all(
      Array.from(
        { length: k },
        (_, i) =>
          new Promise<void>((resolve) => {
            const w = new Worker(url, { workerData: cfg(i) });
            w.on('message', onMessage);
            w.on('error', (e) => errors.push(`worker ${i}: ${e.stack ?? e}`));
            w.on('exit', () => resolve());
          }),
      ),
    );
  }
  status(true);
  return {
    execs: execs.reduce((a, b) => a + b, 0),
    elapsedMs: Date.now() - t0,
    rounds: done.reduce((a, d) => a + d.rounds, 0),
    reports: [...byKey.values()],
    coverage: mergeSummaries(done.flatMap((d) => (d.coverage ? [d.coverage] : []))),
    biasLog: done.flatMap((d) => d.biasLog.map((l) => `worker ${d.worker} ${l}`)),
    errors,
  };
}
