// SPDX-License-Identifier: GPL-2.0-only
/*
 * Suites whose files export only a runner (int64, cache, memory, grow,
 * live) as BenchSuites: what they print and what docs/benchmarks.md shows
 * of them is here.
 */
import { type CacheResult, runCacheBench } from './cache.bench.js';
import { defineSuite, fmt, mdTable, ratio, table } from './common.js';
import { type GrowResult, runGrowBench } from './grow.bench.js';
import { type Int64Result, runInt64Bench } from './int64.bench.js';
import { type LiveBenchResult, runLiveBench } from './live.bench.js';
import { type MemoryResult, type ModelMemory, runMemoryBench } from './memory.bench.js';

export const int64Suite = defineSuite<Int64Result>({
  name: 'int64',
  title: "64-bit arithmetic of the cache in five representations; ratio = ops/s / ops/s of (a) bigint; (e) I64 is the model's",
  run: runInt64Bench,
  text(r) {
    const out = [`## int64: ${r.records} records per call; ratio = ops/s / ops/s of (a)`];
    for (const k of r.kernels) {
      out.push(`\nkernel ${k.kernel}, ${k.data} data`);
      out.push(table(['variant', 'ops/s', '±%', 'ns/record', 'vs (a)', 'wrong results'], k.variants.map((v) => [v.variant, v.fig.hz, v.fig.rme.toFixed(1), v.nsPerRecord, ratio(v.ratio), String(v.wrong)])));
    }
    return out.join('\n');
  },
  markdown(r) {
    const names = r.kernels[0]?.variants.map((v) => v.variant) ?? [];
    // the inexact (d) is the one that can be wrong
    const inexact = names.findIndex((n) => n.startsWith('(d)'));
    const wrong = (k: Int64Result['kernels'][number]) => {
      const d = k.variants[inexact];
      if (d.wrong === 0) return '0';
      return k.kernel === 'round' ? `${d.wrong} of ${2 * r.records}` : 'checksum differs';
    };
    return mdTable(
      ['data', 'kernel', `${names[0]} ns/record`, ...names.slice(1), `${names[inexact]?.slice(0, 3)} wrong results`],
      r.kernels.map((k) => [k.data, k.kernel, k.variants[0].nsPerRecord, ...k.variants.slice(1).map((v) => ratio(v.ratio)), wrong(k)]),
    );
  },
});

export const cacheSuite = defineSuite<CacheResult>({
  name: 'cache',
  title: 'cache operations, model next to the sorted-btree oracle; ratio = model ops/s / oracle ops/s',
  run: runCacheBench,
  text(r) {
    const rows: Array<Array<string | number>> = [];
    for (const row of r.rows) {
      for (const op of row.ops)
        rows.push([row.geometry, String(row.extents), `${row.height}/${row.heightAfter}`, op.op, op.model.hz, op.oracle.hz, ratio(op.ratio), `${op.model.rme.toFixed(1)}/${op.oracle.rme.toFixed(1)}`]);
      rows.push([row.geometry, String(row.extents), `${row.height}/${row.heightAfter}`, 'fill (one shot, s)', row.fillSeconds.model, row.fillSeconds.oracle, ratio(row.fillSeconds.ratio), '']);
    }
    return (
      `## cache: ops/s, model next to oracle in one Suite (${r.rounds} round(s), maxTime ${r.maxTime} s); ratio = model / oracle\n` +
      table(['geom', 'extents', 'height fill/after', 'operation', 'model ops/s', 'oracle ops/s', 'model/oracle', '±% m/o'], rows)
    );
  },
  markdown(r) {
    const ops = r.rows[0]?.ops.map((o) => o.op) ?? [];
    return mdTable(
      ['geometry', 'extents', 'height fill/after', ...ops, 'model lookup ops/s', 'oracle lookup ops/s'],
      r.rows.map((row) => [row.geometry, row.extents.toLocaleString('en-US'), `${row.height}/${row.heightAfter}`, ...row.ops.map((o) => ratio(o.ratio)), Math.round(row.ops[0].model.hz).toLocaleString('en-US'), Math.round(row.ops[0].oracle.hz).toLocaleString('en-US')]),
    );
  },
});

export const memorySuite = defineSuite<MemoryResult>({
  name: 'memory',
  title: 'bytes per extent in a fresh node --expose-gc child; ratio = model bytes / kernel-equivalent bytes',
  run: runMemoryBench,
  text(r) {
    const oracle = new Map(r.rows.filter((x) => x.impl === 'oracle').map((x) => [`${x.extents} ${x.order}`, x.bytesPerExtent]));
    const rows = r.rows
      .filter((x): x is ModelMemory => x.impl === 'model')
      .map((x) => [
        x.geometry, x.order, String(x.extents), String(x.height), x.bytesPerExtent, x.kernelBytesPerExtent, ratio(x.ratioToKernel), ratio(x.ratioTo32),
        x.arenaReservedPerExtent, x.arenaLivePerExtent, `${fmt(x.leafSlotBytes)}/${fmt(x.nodeSlotBytes)}`, oracle.get(`${x.extents} ${x.order}`) ?? NaN, x.ratioToKernel <= 2 ? 'yes' : 'NO',
      ]);
    return (
      '## memory: heapUsed + arrayBuffers growth per extent (node --expose-gc child)\n' +
      table(['geom', 'fill', 'extents', 'height', 'model B/ext', 'kernel B/ext', 'model/kernel', 'model/32B', 'arena reserved B/ext', 'arena live B/ext', 'B/leaf, B/node slot', 'oracle B/ext', '<=2x'], rows)
    );
  },
  markdown(r) {
    const oracle = new Map(r.rows.filter((x) => x.impl === 'oracle').map((x) => [`${x.extents} ${x.order}`, x.bytesPerExtent]));
    const rows = r.rows
      .filter((x): x is ModelMemory => x.impl === 'model')
      .map((x) => [x.geometry, x.order, x.extents.toLocaleString('en-US'), x.bytesPerExtent, x.kernelBytesPerExtent, ratio(x.ratioToKernel), ratio(x.ratioTo32), x.arenaLivePerExtent, oracle.get(`${x.extents} ${x.order}`) ?? NaN, x.ratioToKernel <= 2 ? 'yes' : 'no']);
    return mdTable(['geometry', 'fill', 'extents', 'model B/ext', 'kernel B/ext', 'model / kernel', 'model / 32 B', 'arena live slots B/ext', 'oracle B/ext', '<= 2x kernel'], rows);
  },
});

/** GrowResult.interleaved as a sentence (markdown bold on the verdicts). */
/** GrowResult.modelAfterOracle beside the interleaved model median */
function afterOracleText(r: GrowResult): string | undefined {
  const a = r.modelAfterOracle;
  if (!a) return undefined;
  const base = r.interleaved?.model.median;
  return `Model in the same child after the oracle, the cross-checks and the phases had run (${a.runs} runs): median ${fmt(a.median)} s (fastest ${fmt(a.min)} s)` + (base ? `, ${ratio(a.median / base)} the interleaved model median` : '');
}

function interleavedText(i: NonNullable<GrowResult['interleaved']>, target: number): string {
  const sorted = [...i.ratios].sort((a, b) => a - b);
  return (
    `Interleaved (${i.pairs} pairs of one model run and one native run, the order alternating, so that the two runs of a pair meet the same spell): ` +
    `median pair ratio model / native ${ratio(i.ratio)} (pairs from ${ratio(sorted[0])} to ${ratio(sorted[sorted.length - 1])}); model median ${fmt(i.model.median)} s (fastest ${fmt(i.model.min)} s), native median ${fmt(i.native.median)} s (fastest ${fmt(i.native.min)} s); ` +
    `**within 2x: ${i.withinTwiceNative ? 'yes' : 'no'}**, **model median <= ${target} s: ${i.targetMet ? 'yes' : 'no'}**.`
  );
}

/** The grow suite's timed runs in table order (results from before the native entry have none). */
const growRows = (r: GrowResult) => [r.model, r.oracle, r.cli, ...(r.native ? [r.native] : []), r.nodeStartup];

export const growSuite = defineSuite<GrowResult>({
  name: 'grow',
  title: 'a generated 300k-command scenario end to end: model, oracle, CLI child, the seed\'s C built natively, node start-up; ratios = oracle s / model s and model s / native s',
  run: runGrowBench,
  text(r) {
    const out = [`## grow: ${r.commands} commands (${fmt(r.scenarioBytes / 1e6)} MB scenario, ${r.outLines} .out lines)`];
    out.push(table(['run', 'mean s', '±%', 'fastest s', 'samples'], growRows(r).map((f) => [f.name, f.mean, f.rme.toFixed(1), f.min, String(f.samples)])));
    out.push(`model vs oracle (oracle s / model s): ${ratio(r.ratioModelVsOracle)} on the means, ${ratio(r.ratioModelVsOracleMin)} on the fastest samples; CLI child / model in-process: ${ratio(r.ratioCliVsModel)}`);
    if (r.native)
      out.push(
        `model vs native seed C (model s / native s): ${ratio(r.ratioModelVsNative)} on the means, ${ratio(r.ratioModelVsNativeMin)} on the fastest samples; CLI child / native child ${ratio(r.ratioCliVsNative)}; ` +
          `within 2x native: ${r.withinTwiceNative ? 'YES' : 'NO'} on the mean, ${r.withinTwiceNativeBestCase ? 'YES' : 'NO'} on the fastest sample`,
        ...(r.paired
          ? [
              `model vs native paired (${r.paired.rounds} rounds, order alternating): model ${fmt(r.paired.model.mean)} s, native ${fmt(r.paired.native.mean)} s, ${ratio(r.paired.ratio)} (fastest samples ${ratio(r.paired.ratioMin)}); within 2x native: ${r.paired.withinTwiceNative ? 'YES' : 'NO'}`,
            ]
          : []),
        ...(r.interleaved ? [interleavedText(r.interleaved, r.targetSeconds).replace(/\*\*/g, '')] : []),
        ...(afterOracleText(r) ? [afterOracleText(r)!] : []),
        `model vs native output: ${r.nativeCheck.mismatches} differing line(s) of ${r.nativeCheck.lines}` + (r.nativeCheck.first ? ` (first at line ${r.nativeCheck.first.line}: model '${r.nativeCheck.first.model}' native '${r.nativeCheck.first.native}')` : ''),
      );
    out.push(
      `target <= ${r.targetSeconds} s for the model end to end: ${r.targetMet ? 'MET' : 'NOT MET'} on the mean (${fmt(r.model.mean)} s = ${ratio(r.model.mean / r.targetSeconds)} the target), ` +
        `${r.targetMetBestCase ? 'MET' : 'NOT MET'} on the fastest sample (${fmt(r.model.min)} s = ${ratio(r.model.min / r.targetSeconds)})`,
    );
    if (r.flat) {
      const f = r.flat;
      out.push(
        `model without output vs flat lower bound (bench/flat-lower-bound.ts, not the model): ${fmt(f.model.mean)} s against ${fmt(f.flat.mean)} s, ${ratio(f.ratio)} (fastest samples ${ratio(f.ratioMin)}); ` +
          `flat trees ${f.flatCheck.records} records, ${f.flatCheck.hits} lookup hits (model ${f.flatCheck.modelRecords}, ${f.flatCheck.modelHits})` +
          (r.native ? `; flat / native ${ratio(f.flat.mean / r.native.mean)}` : ''),
      );
    }
    const p = r.phases;
    out.push(`phases (fastest of 3 runs): read ${fmt(p.read)} s, parse ${fmt(p.parse)} s, run+format model ${fmt(p.runModel)} s, oracle ${fmt(p.runOracle)} s`);
    out.push(`final trees: read fork ${r.final.readCount} extents height ${r.final.readHeight}, write fork ${r.final.writeCount} extents height ${r.final.writeHeight ?? '-'}, seq ${r.final.seq}`);
    out.push(`model vs oracle output: ${r.crossCheck.mismatches} mismatching line(s) of ${r.crossCheck.lines}` + (r.crossCheck.first ? ` (first at line ${r.crossCheck.first.line}: model '${r.crossCheck.first.model}' oracle '${r.crossCheck.first.oracle}')` : ''));
    if (r.profile) {
      out.push(`\nCLI profile (--cpu-prof): ${fmt(r.profile.totalMs)} ms sampled, garbage collector ${(100 * r.profile.gcShare).toFixed(1)}%`);
      out.push(table(['self ms', 'share', 'function'], r.profile.top.map((h) => [h.selfMs, (100 * h.share).toFixed(1) + '%', h.where])));
    }
    return out.join('\n');
  },
  markdown(r) {
    const out = [
      mdTable(['run', 'mean s', 'fastest s', '±%'], growRows(r).map((f) => [f.name, f.mean, f.min, String(Math.round(f.rme))])),
      '',
      `* Model vs oracle (oracle s / model s): ${ratio(r.ratioModelVsOracle)} on the means, ${ratio(r.ratioModelVsOracleMin)} on the fastest samples; CLI child / model in-process ${ratio(r.ratioCliVsModel)}.`,
      `* Phases in-process, fastest of 3 runs each: read ${fmt(r.phases.read)} s, parse ${fmt(r.phases.parse)} s, run + format ${fmt(r.phases.runModel)} s (oracle ${fmt(r.phases.runOracle)} s).`,
      `* Final trees: read fork ${r.final.readCount.toLocaleString('en-US')} extents, height ${r.final.readHeight}; write fork ${r.final.writeCount.toLocaleString('en-US')} extents, height ${r.final.writeHeight ?? '-'}; seq ${r.final.seq}. ` +
        `Model and oracle .out lines: ${r.crossCheck.mismatches} of ${r.crossCheck.lines.toLocaleString('en-US')} differ (heights aside).`,
      `* **Target <= ${r.targetSeconds} s: ${r.targetMet ? 'met' : 'not met'}** on the mean (${fmt(r.model.mean)} s, ${ratio(r.model.mean / r.targetSeconds)} the target), ${r.targetMetBestCase ? 'met' : 'not met'} on the fastest sample (${fmt(r.model.min)} s).`,
    ];
    if (r.native)
      out.push(
        `* **Within 2x of the seed's C built natively: ${r.withinTwiceNative ? 'yes' : 'no'}** on the means (model / native ${ratio(r.ratioModelVsNative)}: ${fmt(r.model.mean)} s against ${fmt(r.native.mean)} s), ` +
          `${r.withinTwiceNativeBestCase ? 'yes' : 'no'} on the fastest samples (${ratio(r.ratioModelVsNativeMin)}); CLI child / native child ${ratio(r.ratioCliVsNative)}. ` +
          `Native build \`${r.nativeBuild}\` (bench/seed-native.ts); its .out and the model's: ${r.nativeCheck.mismatches} of ${r.nativeCheck.lines.toLocaleString('en-US')} lines differ.` +
          (r.paired
            ? ` Paired (the two alone, ${r.paired.rounds} rounds in alternating order, so that both see the machine's same slow and fast spells): model / native ${ratio(r.paired.ratio)} (${fmt(r.paired.model.mean)} s against ${fmt(r.paired.native.mean)} s), ${ratio(r.paired.ratioMin)} on the fastest samples; within 2x: ${r.paired.withinTwiceNative ? 'yes' : 'no'}.`
            : ''),
        ...(r.interleaved ? [`* ${interleavedText(r.interleaved, r.targetSeconds)}`] : []),
        ...(afterOracleText(r) ? [`* ${afterOracleText(r)}.`] : []),
      );
    if (r.flat) {
      const f = r.flat;
      out.push(
        `* Flat lower bound (\`bench/flat-lower-bound.ts\`, **not the model**: a flat B+tree doing the same commands' tree work with none of the model's fidelity, no output): read + parse + run ${fmt(f.flat.mean)} s against the model's read + parse + run without output ${fmt(f.model.mean)} s: ` +
          `model / flat ${ratio(f.ratio)} (fastest samples ${ratio(f.ratioMin)})` +
          (r.native ? `, flat / native ${ratio(f.flat.mean / r.native.mean)}` : '') +
          `. Its trees hold ${f.flatCheck.records.toLocaleString('en-US')} records and its lookups hit ${f.flatCheck.hits} times (model: ${f.flatCheck.modelRecords.toLocaleString('en-US')}, ${f.flatCheck.modelHits}).`,
      );
    }
    if (r.profile) {
      out.push('', `Top self time of the CLI under \`--cpu-prof\` (${fmt(r.profile.totalMs)} ms sampled, garbage collector ${(100 * r.profile.gcShare).toFixed(1)}%):`, '');
      out.push(mdTable(['self ms', 'share', 'function'], r.profile.top.slice(0, 10).map((h) => [String(Math.round(h.selfMs)), (100 * h.share).toFixed(1) + '%', `\`${h.where}\``])));
    }
    return out.join('\n');
  },
});

export const liveSuite = defineSuite<LiveBenchResult>({
  name: 'live',
  title: 'fio randwrite on XFS alone vs inside a live capture+replay session (needs root, fio, xfsprogs, the native reader); ratio = session s / alone s',
  run: (args) => runLiveBench(args),
  text(r) {
    if (r.skipped) return `## live: not run: ${r.skipped}`;
    return (
      `## live: ${r.fioArgs?.join(' ')}\n` +
      table(['run', 'mean s', '±%', 'fastest s', 'samples'], [r.baseline!, r.session!].map((f) => [f.name, f.mean, f.rme.toFixed(1), f.min, String(f.samples)])) +
      `\nsession / alone: ${ratio(r.ratioSessionVsBaseline!)}; ${fmt(r.events!)} events, ${fmt(r.eventsPerSecond!)} events/s, lost ${r.lostEvents}, divergences ${r.divergences}, peak RSS ${fmt(r.peakRssMiB!)} MiB`
    );
  },
  markdown(r) {
    if (r.skipped) return `Not run: ${r.skipped}.`;
    return [
      mdTable(['run', 'mean s', 'fastest s', '±%', 'samples'], [r.baseline!, r.session!].map((f) => [f.name, f.mean, f.min, String(Math.round(f.rme)), f.samples])),
      '',
      `* Session / alone: **${ratio(r.ratioSessionVsBaseline!)}** (\`${r.fioArgs?.join(' ')}\`).`,
      `* ${r.events!.toLocaleString('en-US')} events captured and replayed, ${fmt(r.eventsPerSecond!)} events/s; lost events ${r.lostEvents} (target 0); divergences ${r.divergences}; peak RSS of the bench process ${fmt(r.peakRssMiB!)} MiB (buffer ${r.bufferKb} KiB per CPU).`,
    ].join('\n');
  },
});
