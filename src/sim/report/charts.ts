// SPDX-License-Identifier: GPL-2.0-only
/*
 * The report's plots as Vega-Lite specs, rendered to SVG strings at build
 * time in Node (vega's headless View, no browser, no canvas), so that the
 * HTML needs no script and no network when it is viewed.
 *
 * Every point mark carries an aria-label with its data ("at: 100; hit
 * ratio: 0.5; policy: seed"), which the browser test reads back.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SimRun } from '../result.js';
import { hitRatio } from './derive.js';

/** At most this many points of one run go into a line plot (the JSON keeps them all). */
export const MAX_POINTS = 60;

export interface SeriesPoint {
  policy: string;
  revision: string;
  /** I/Os done */
  at: number;
  /** lookups that hit in this sample's bucket, both forks; null when the bucket had no lookup */
  hitRatio: number | null;
  /** upcalls since the start */
  upcalls: number;
  kernelBytes: number;
}

/** Evenly spaced indices into a series of n samples, at most max of them, always the last. */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round(((k + 1) * n) / max) - 1);
  return out;
}

/**
 * Plot points of one run. Sample counters are per bucket (since the
 * previous sample); upcalls are summed to a running total here.
 */
export function seriesPoints(run: SimRun): SeriesPoint[] {
  let upcalls = 0;
  const all = run.series.map((s) => {
    upcalls += s.upcalls;
    const h = hitRatio(s);
    return { policy: run.policy, revision: run.revision, at: s.at, hitRatio: Number.isNaN(h) ? null : h, upcalls, kernelBytes: s.kernelBytes };
  });
  return thin(all.length, MAX_POINTS).map((i) => all[i]);
}

export interface Chart {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const WIDTH = 360;
const HEIGHT = 200;

/** The aria-label of a point: its exact data, read back by the browser test. */
export const pointLabel = (p: { revision: string; policy: string; at: number }, field: string, value: number) => `${p.revision} ${p.policy} at ${p.at}: ${field}=${value}`;
export const barLabel = (b: { revision: string; policy: string; kind: string; failures: number }) => `${b.revision} ${b.policy}: ${b.kind}=${b.failures}`;

function lineChart(id: string, title: string, points: SeriesPoint[], policies: string[], field: 'hitRatio' | 'upcalls' | 'kernelBytes', yTitle: string, format?: string): Chart {
  const values = points.filter((p) => p[field] !== null).map((p) => ({ ...p, label: pointLabel(p, field, p[field] as number) }));
  return {
    id,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values },
      width: WIDTH,
      height: HEIGHT,
      mark: { type: 'line', point: { size: 14 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'at', type: 'quantitative', title: 'I/Os done' },
        y: { field, type: 'quantitative', title: yTitle, axis: format ? { format } : {} },
        color: { field: 'policy', type: 'nominal', title: 'policy', scale: { domain: policies, scheme: 'tableau20' }, legend: { labelLimit: 240 } },
        column: { field: 'revision', type: 'nominal', title: 'revision' },
        description: { field: 'label' },
      },
    },
  };
}

/** The four plots of one job, over every policy and revision run on it (policies in run order). */
export function jobCharts(job: string, runs: readonly SimRun[], slug: string): Chart[] {
  const points = runs.flatMap(seriesPoints);
  const policies = [...new Set(runs.map((r) => r.policy))];
  const bars = runs.flatMap((r) =>
    (['needless', 'needed'] as const).map((kind) => {
      const b = { policy: r.policy, revision: r.revision, kind, failures: r.totals.revalidationFailures[kind] };
      return { ...b, label: barLabel(b) };
    }),
  );
  return [
    lineChart(`${slug}-hit`, `${job}: hit ratio over time`, points, policies, 'hitRatio', 'hit ratio (per sample)', '.0%'),
    lineChart(`${slug}-upcalls`, `${job}: upcalls over time`, points, policies, 'upcalls', 'upcalls (running total)'),
    lineChart(`${slug}-memory`, `${job}: kernel memory of the cache`, points, policies, 'kernelBytes', 'kernel bytes (both forks)'),
    {
      id: `${slug}-needless`,
      title: `${job}: revalidation failures per policy`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: bars },
        width: { step: 28 },
        height: HEIGHT,
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'policy', type: 'nominal', title: 'policy', sort: policies, axis: { labelAngle: -30 } },
          y: { field: 'failures', type: 'quantitative', title: 'revalidation failures', stack: 'zero' },
          color: { field: 'kind', type: 'nominal', title: 'failure', scale: { domain: ['needless', 'needed'], range: ['#e45756', '#4c78a8'] } },
          column: { field: 'revision', type: 'nominal', title: 'revision' },
          description: { field: 'label' },
        },
      },
    },
  ];
}

/** Vega-Lite spec -> SVG text, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
