// SPDX-License-Identifier: GPL-2.0-only
/*
 * One campaign with its coverage probe and coverage-driven bias, speaking
 * in messages (progress, report, done), so that it runs the same in a
 * worker thread (worker.ts) and in the main thread (one worker).
 */
import { revisionByName, DEFAULT_REVISION } from '../cache/revision.js';
import { CoverageBias, takeAfterRound } from './bias.js';
import { runCampaign, type Progress, type Report } from './campaign.js';
import { CoverageProbe, type CoverageSummary } from './coverage.js';
import type { TargetName } from './target.js';
import { makeTarget } from './targets/index.js';

export interface SessionConfig {
  target: TargetName;
  revision: string;
  seed: number;
  seconds?: number;
  runs?: number;
  coverage: boolean;
  /** coverage-driven bias (needs coverage) */
  feedback: boolean;
  seen: string[];
  worker: number;
  /** end at the first failure */
  untilFailure?: boolean;
}

export interface CoverageFigures {
  blocks: number;
  blocksHit: number;
}

export type SessionMessage =
  | { type: 'progress'; worker: number; progress: Progress; coverage: CoverageFigures | null }
  | { type: 'report'; worker: number; report: Report }
  | { type: 'done'; worker: number; execs: number; elapsedMs: number; rounds: number; coverage: CoverageSummary | null; biasLog: string[] }
  | { type: 'error'; worker: number; message: string };

export async function runSession(cfg: SessionConfig, post: (m: SessionMessage) => void): Promise<void> {
  const revision = revisionByName(cfg.revision) ?? DEFAULT_REVISION;
  const target = makeTarget(cfg.target, { revision });
  const probe = cfg.coverage ? new CoverageProbe(target.coverageFiles) : null;
  const bias = probe && cfg.feedback ? new CoverageBias(cfg.target, target.defaultBias, probe) : null;
  probe?.start();
  // without feedback, coverage is still taken on the same schedule for the status line
  const plain = probe && !bias ? { bias: () => target.defaultBias, afterRound: (r: number) => takeAfterRound(r) && probe.take() } : undefined;
  const figures = (): CoverageFigures | null => {
    if (!probe) return null;
    const s = probe.summary();
    return { blocks: s.blocks, blocksHit: s.blocksHit };
  };
  try {
    const r = await runCampaign({
      target: cfg.target,
      revision,
      seed: cfg.seed,
      seconds: cfg.seconds,
      runs: cfg.runs,
      seen: cfg.seen,
      continueAfterFailure: !cfg.untilFailure,
      bias: bias ?? plain,
      targetInstance: target,
      onProgress: (progress) => post({ type: 'progress', worker: cfg.worker, progress, coverage: figures() }),
      onReport: (report) => post({ type: 'report', worker: cfg.worker, report }),
    });
    probe?.take();
    post({ type: 'done', worker: cfg.worker, execs: r.execs, elapsedMs: r.elapsedMs, rounds: r.rounds, coverage: probe ? probe.summary() : null, biasLog: bias?.log ?? [] });
  } finally {
    probe?.stop();
  }
}
