// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coverage feedback: after each round, look at which model functions are
 * not yet fully covered and shift the generation weights toward inputs
 * that reach them. The knobs are per target: the node-level B-tree paths
 * (split_node, rebalance_node, remove_node, grow with height >= 3) need
 * long insert runs and big bursts; the cache's shortcut and overflow
 * paths need clears and edge commands. A round that brings no new blocks
 * lets the weights drift back to the defaults.
 */
import type { BiasSource } from './campaign.js';
import type { CoverageProbe } from './coverage.js';
import type { Bias, TargetName } from './target.js';

interface Knob {
  /** functions (model names) whose missing blocks this knob helps with */
  functions: string[];
  /** what to raise, and its ceiling */
  raise: Record<string, number>;
}

const KNOBS: Record<TargetName, Knob[]> = {
  tree: [
    { functions: ['splitNode', 'insertNode', 'grow', 'rebalanceNode', 'removeNode', 'updateNode', 'findLevel'], raise: { burst: 8, burstMax: 1800 } },
    { functions: ['rebalanceLeaf', 'freeLastLeaf', 'remove'], raise: { del: 24 } },
  ],
  cache: [
    { functions: ['splitNode', 'insertNode', 'grow', 'rebalanceNode', 'removeNode', 'updateNode'], raise: { run: 8 } },
    { functions: ['cacheRemove', 'lookupExtentBefore', 'destroy', 'destroyNode'], raise: { clear: 6, edge: 10 } },
    { functions: ['delMapping', 'addMapping'], raise: { target: 60 } },
  ],
  parser: [{ functions: ['decodeBody', 'unprintFlags', 'unprintSymbolic'], raise: { maxMuts: 12 } }],
  race: [
    { functions: ['fuseIomapRevalidate', 'stillCached'], raise: { io: 12 } },
    { functions: ['fuseIomapOpenTruncate', 'invalidateRange'], raise: { trunc: 4 } },
  ],
  // the simulator target has no coverage knobs yet: its default weights every round
  'race-sim': [],
  protocol: [
    { functions: ['upsertValidateDev', 'upsertValidateRange', 'iomapUpsertRfcV3'], raise: { upsert: 20 } },
    { functions: ['iomapInvalRfcV3', 'invalValidate', 'invalApply'], raise: { inval: 10 } },
    { functions: ['beginValidateRfcV3', 'decodeBeginOut'], raise: { begin: 6 } },
  ],
};

/** Rounds after which coverage is taken: 0, 1, 3, 7, 15, then every 16 (a take walks every script, so not every round). */
export const takeAfterRound = (round: number): boolean => (round < 16 ? ((round + 1) & round) === 0 : round % 16 === 15);

export class CoverageBias implements BiasSource {
  private biased: Bias;
  /** knob functions still incomplete at the last take */
  private incomplete: string[] = [];
  /** what the feedback did (for the summary) */
  readonly log: string[] = [];

  constructor(
    private readonly target: TargetName,
    private readonly defaults: Readonly<Bias>,
    private readonly probe: CoverageProbe,
  ) {
    this.biased = { ...defaults };
  }

  /** Odd rounds use the biased weights (when something is left to reach), even rounds the defaults. */
  bias(round: number): Readonly<Bias> {
    return round % 2 === 1 && this.incomplete.length ? this.biased : this.defaults;
  }

  afterRound(round: number): void {
    if (!takeAfterRound(round)) return;
    this.probe.take();
    const next: Bias = { ...this.defaults };
    const incomplete: string[] = [];
    for (const knob of KNOBS[this.target]) {
      const missing = knob.functions.filter((f) => {
        const c = this.probe.functionCoverage(f);
        return c === null || c[0] < c[1];
      });
      if (missing.length === 0) continue;
      incomplete.push(...missing);
      for (const [k, ceiling] of Object.entries(knob.raise)) next[k] = Math.max(next[k] ?? 0, ceiling);
    }
    const before = this.incomplete.join(',');
    this.incomplete = incomplete;
    this.biased = next;
    if (incomplete.join(',') !== before && this.log.length < 50) {
      const raised = Object.keys(next).filter((k) => next[k] !== this.defaults[k]);
      this.log.push(
        incomplete.length
          ? `after round ${round}: not fully reached ${[...new Set(incomplete)].join(', ')}; odd rounds raise ${raised.map((k) => `${k} ${this.defaults[k] ?? 0} -> ${next[k]}`).join(', ')}`
          : `after round ${round}: every knob's functions fully reached; defaults only`,
      );
    }
  }
}
