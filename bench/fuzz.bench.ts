// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz executions per second for each target (`npm run bench -- fuzz`).
 * One execution = one generated input run through the target with every
 * property check (what a campaign does per run, shrinking aside). The
 * baseline, measured in the same suite, is the same input's concrete
 * operations on the bare model with no checks, no oracle, no reference:
 * the ratio says what checking costs. Inputs are a fixed sample (fixed
 * seed) cycled through, so both sides see the same work.
 */
import Benchmark from 'benchmark';
import fc from 'fast-check';
import { LookupResult } from '../src/cache/constants.js';
import { type CachedMapping, IomapCache } from '../src/cache/iomap-cache.js';
import { RFC_V3 } from '../src/cache/revision.js';
import type { Op } from '../src/fuzz/cache-model.js';
import type { FuzzTarget, TargetName } from '../src/fuzz/target.js';
import type { CacheCase } from '../src/fuzz/targets/cache.js';
import type { ParserCase } from '../src/fuzz/targets/parser.js';
import type { ProtocolCase } from '../src/fuzz/targets/protocol.js';
import { type RaceCase, runRaceBare } from '../src/fuzz/targets/race.js';
import type { RaceSimCase } from '../src/fuzz/targets/race-sim.js';
import { simulate } from '../src/sim/index.js';
import type { TreeCase } from '../src/fuzz/targets/tree.js';
import { makeTarget } from '../src/fuzz/targets/index.js';
import { NULL } from '../src/iext/arena.js';
import { emptyMapping } from '../src/iext/record.js';
import { IextTree } from '../src/iext/tree.js';
import { FuseConn, fuseNotify } from '../src/protocol/index.js';
import { parseLine } from '../src/trace/parse/line.js';
import { type BenchArgs, type Figure, defineSuite, mdTable, ratio, table } from './common.js';

export interface FuzzBenchRow {
  target: TargetName;
  /** executions per second with every check */
  execs: Figure;
  /** the same inputs' operations on the bare model */
  bare: Figure;
  /** operations per execution, on average over the sample */
  opsPerExec: number;
}

export interface FuzzBenchResult {
  suite: 'fuzz';
  inputs: number;
  rows: FuzzBenchRow[];
}

const SAMPLE = 200;

/** The bare model: the case's operations with nothing checked. */
function bareRunner(target: TargetName, c: unknown): () => void {
  switch (target) {
    case 'cache': {
      const cc = c as CacheCase;
      const mv: CachedMapping = { ...emptyMapping(), validityCookie: 0n };
      return () => {
        const cache = new IomapCache({ ids: { connection: 1, ino: 12n, nodeid: 7n }, isize: 0n, blockSize: cc.setting.bs, maxBytes: cc.setting.maxBytes }, { geometry: cc.setting.geometry });
        cache.enabled = true;
        for (const o of cc.ops as Op[]) {
          try {
            switch (o.op) {
              case 'add':
                cache.cacheAdd(o.fork, { ...o.map });
                break;
              case 'upsert':
                cache.cacheUpsert(o.fork, { ...o.map });
                break;
              case 'remove':
                cache.cacheRemove(o.fork, o.start, o.len);
                break;
              case 'inval':
                cache.invalidateRange(o.off, o.len);
                break;
              case 'lookup':
                if (cache.cacheLookup(o.fork, o.off, o.len, mv) === LookupResult.HIT) void mv.validityCookie;
                break;
            }
          } catch {
            return; // a modelled oops ends the run, as in the target
          }
        }
      };
    }
    case 'tree': {
      const tc = c as TreeCase;
      return () => {
        const tree = new IextTree(tc.geometry, { incSeq: () => {} });
        const cur = { leaf: NULL, pos: 0 };
        const got = emptyMapping();
        for (const o of tc.ops) {
          if (o.op === 'ins') {
            tree.lookupExtent(o.rec.offset, cur, got);
            tree.insertRaw(cur, o.rec);
          } else if (o.op === 'del') {
            if (tree.lookupExtent(o.offset, cur, got) && got.offset === o.offset) tree.remove(cur, 0);
          } else tree.lookupExtent(o.q, cur, got);
        }
      };
    }
    case 'parser': {
      const pc = c as ParserCase;
      const lines = pc.lines.map((l) => l.toString('utf8'));
      return () => {
        for (let i = 0; i < lines.length; i++) parseLine(lines[i], i + 1);
      };
    }
    case 'protocol': {
      const pc = c as ProtocolCase;
      return () => {
        const conn = new FuseConn({ revision: RFC_V3, blockSize: 4096n });
        conn.addDevice({ sizeBytes: 1n << 30n });
        conn.addDevice({ sizeBytes: 1n << 20n });
        conn.addInode({ nodeid: 7n, attrIno: 12n });
        conn.addInode({ nodeid: 8n, bad: true });
        conn.addInode({ nodeid: 9n, fileio: false });
        conn.addInode({ nodeid: 10n, maxBytes: 1n << 30n });
        for (const o of pc.ops) if (o.kind === 'notify') fuseNotify(conn, o.code, o.payload);
      };
    }
    case 'race':
      return () => runRaceBare(c as RaceCase);
    case 'race-sim': {
      // the simulation alone: whole run, no stop at the first violation, nothing classified
      const rc = c as RaceSimCase;
      return () => simulate({ workload: rc.workload, policy: 'seed', seed: rc.seed, timing: false, sampleEvery: 1 << 30 });
    }
  }
}

/** benchmark.js, deferred (the parser target is async), as a promise of figures. */
function runDeferred(title: string, entries: Array<[string, () => unknown]>, maxTime: number, log: (s: string) => void): Promise<Figure[]> {
  return new Promise((resolve, reject) => {
    const suite = new Benchmark.Suite(title);
    for (const [name, fn] of entries)
      suite.add(name, {
        defer: true,
        maxTime,
        minSamples: 5,
        fn: (d: { resolve(): void }) => {
          const r = fn();
          if (r instanceof Promise) r.then(() => d.resolve(), reject);
          else d.resolve();
        },
      });
    suite.on('cycle', (ev: Benchmark.Event) => log(`    ${title} :: ${String(ev.target)}`));
    suite.on('complete', () => {
      const out: Figure[] = [];
      for (let i = 0; i < entries.length; i++) {
        const b = (suite as unknown as Benchmark[])[i];
        if (b.error) return reject(b.error);
        const sample = b.stats.sample as number[];
        out.push({ name: entries[i][0], hz: b.hz, rme: b.stats.rme, samples: sample.length, mean: b.stats.mean, min: Math.min(...sample) });
      }
      resolve(out);
    });
    suite.run({ async: true });
  });
}

export async function runFuzzBench(args: BenchArgs, log: (s: string) => void): Promise<FuzzBenchResult> {
  const rows: FuzzBenchRow[] = [];
  const maxTime = args.quick ? 0.3 : 2;
  for (const name of ['tree', 'cache', 'parser', 'protocol', 'race'] as const) {
    const target = makeTarget(name, { revision: RFC_V3 }) as FuzzTarget;
    const inputs = fc.sample(target.arbitrary(target.defaultBias), { seed: 42, numRuns: SAMPLE });
    const cases: unknown[] = [];
    for (const input of inputs) cases.push((await target.runInput(input)).case);
    const bare = cases.map((c) => bareRunner(name, c));
    let i = 0;
    let j = 0;
    const [execs, base] = await runDeferred(
      `fuzz ${name}`,
      [
        [`${name}: one execution, every check`, () => target.runInput(inputs[i++ % inputs.length])],
        [`${name}: its operations on the bare model`, () => bare[j++ % bare.length]()],
      ],
      maxTime,
      log,
    );
    const opsPerExec = cases.reduce<number>((s, c) => s + target.size(c), 0) / cases.length;
    rows.push({ target: name, execs, bare: base, opsPerExec });
  }
  return { suite: 'fuzz', inputs: SAMPLE, rows };
}

export const benchSuite = defineSuite<FuzzBenchResult>({
  name: 'fuzz',
  title: 'fuzz executions per second per target; ratio = execs/s with every check / the same inputs on the bare model',
  run: runFuzzBench,
  text(r) {
    return [
      `## fuzz: ${r.inputs} fixed inputs per target (seed 42); ratio = checked / bare`,
      table(
        ['target', 'execs/s', '±%', 'bare runs/s', '±%', 'checked / bare', 'ops per exec'],
        r.rows.map((x) => [x.target, x.execs.hz, x.execs.rme.toFixed(1), x.bare.hz, x.bare.rme.toFixed(1), ratio(x.execs.hz / x.bare.hz), x.opsPerExec.toFixed(1)]),
      ),
    ].join('\n');
  },
  markdown(r) {
    return [
      `Executions per second of each fuzz target on ${r.inputs} fixed inputs (seed 42); the baseline is the same inputs' operations on the bare model (no oracle, no reference, no checks), measured in the same suite.`,
      '',
      mdTable(
        ['target', 'execs/s', 'bare runs/s', 'checked / bare', 'operations per execution'],
        r.rows.map((x) => [x.target, Math.round(x.execs.hz), Math.round(x.bare.hz), ratio(x.execs.hz / x.bare.hz), x.opsPerExec.toFixed(1)]),
      ),
    ].join('\n');
  },
});
