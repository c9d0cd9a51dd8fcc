// SPDX-License-Identifier: GPL-2.0-only
/*
 * The comparison table `iomap-sim simulate` opens with: one row per
 * (job, revision, policy), grouped by job and revision, the baseline
 * policy first in each group.
 */
import type { RunFigures } from './derive.js';

/** A number for a table cell: '-' for NaN, at most 3 significant digits below 1000. */
export function cell(x: number, kind: 'int' | 'real' | 'pct' | 'ratio' | 'bytes'): string {
  if (!Number.isFinite(x)) return '-';
  switch (kind) {
    case 'int':
      return Math.round(x).toLocaleString('en-US');
    case 'pct':
      return (100 * x).toFixed(1) + '%';
    case 'ratio':
      return (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')) + 'x';
    case 'bytes':
      return x < 10 * 1024 ? `${Math.round(x)} B` : x < 10 * 1024 * 1024 ? `${(x / 1024).toFixed(1)} KiB` : `${(x / 1048576).toFixed(1)} MiB`;
    case 'real':
      return x === 0 ? '0' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3).replace(/\.?0+$/, '');
  }
}

export const COLUMNS: ReadonlyArray<{ head: string; title: string; value: (f: RunFigures) => string }> = [
  { head: 'job', title: 'the fio job', value: (f) => f.job },
  { head: 'rev', title: 'the kernel revision modelled', value: (f) => f.revision },
  { head: 'policy', title: 'the caching policy', value: (f) => f.policy },
  { head: 'I/Os', title: 'application I/Os issued', value: (f) => cell(f.ios, 'int') },
  { head: 'upcalls', title: 'FUSE_IOMAP_BEGIN round trips', value: (f) => cell(f.upcalls, 'int') },
  { head: 'vs base', title: 'upcalls / upcalls of the baseline policy on the same job and revision', value: (f) => cell(f.upcallsVsBaseline, 'ratio') },
  { head: 'upc/IO', title: 'upcalls per I/O', value: (f) => cell(f.upcallsPerIo, 'real') },
  { head: 'upc/MiB', title: 'upcalls per MiB the application asked for', value: (f) => cell(f.upcallsPerMiB, 'real') },
  { head: 'hit', title: 'cache lookups that hit, both forks', value: (f) => cell(f.hitRatio, 'pct') },
  { head: 'reval needed', title: 'revalidation failures where the mapping really changed', value: (f) => cell(f.revalNeeded, 'int') },
  { head: 'needless', title: 'revalidation failures where the counter moved for an unrelated range', value: (f) => cell(f.revalNeedless, 'int') },
  { head: 'stale', title: 'I/Os done through a mapping that differed from the server (must be 0)', value: (f) => cell(f.staleViolations, 'int') },
  { head: 'peak ext', title: 'most extents cached at once, both forks (the end value is in report.json)', value: (f) => cell(f.peakExtents, 'int') },
  { head: 'peak mem', title: 'most kernel memory at once: records and nodes as the kernel would allocate them', value: (f) => cell(f.peakKernelBytes, 'bytes') },
  { head: 'sim s', title: 'simulated seconds under the cost model', value: (f) => cell(f.simulatedSeconds, 'real') },
];

/** Text rows, first the header. */
export function tableRows(figs: readonly RunFigures[]): string[][] {
  return [COLUMNS.map((c) => c.head), ...figs.map((f) => COLUMNS.map((c) => c.value(f)))];
}

/** Plain-text table, columns padded, numbers right-aligned, a blank line between jobs. */
export function comparisonTable(figs: readonly RunFigures[]): string {
  const rows = tableRows(figs);
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const numeric = rows[0].map((_, i) => i >= 3);
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  const out = [line(rows[0]), width.map((w) => '-'.repeat(w)).join('  ')];
  for (let i = 1; i < rows.length; i++) {
    const prev = figs[i - 2];
    if (prev && (prev.job !== figs[i - 1].job || prev.revision !== figs[i - 1].revision)) out.push('');
    out.push(line(rows[i]));
  }
  return out.join('\n') + '\n';
}
