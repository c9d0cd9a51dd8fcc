// SPDX-License-Identifier: GPL-2.0-only
/*
 * V8 block coverage of the model while a campaign runs (node:inspector,
 * Profiler.startPreciseCoverage in the campaign's own thread), kept as
 * the union over rounds: which functions and blocks of the target's
 * model files were reached. Works on the compiled files (dist/src/...);
 * source TypeScript run through a loader reports nothing, and the
 * campaign then simply has no coverage figures.
 */
import { Session } from 'node:inspector';

interface V8Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface V8Function {
  functionName: string;
  ranges: V8Range[];
  isBlockCoverage: boolean;
}
interface V8Script {
  scriptId: string;
  url: string;
  functions: V8Function[];
}

export interface CoverageSummary {
  blocks: number;
  blocksHit: number;
  functions: number;
  functionsHit: number;
  /** named functions never entered, as file:name */
  unreachedFunctions: string[];
  /** per named function: blocks hit / blocks known */
  perFunction: Record<string, [number, number]>;
}

export class CoverageProbe {
  private readonly session = new Session();
  /** file -> block key -> reached */
  private readonly blocks = new Map<string, Map<string, boolean>>();
  /** file:function -> block keys */
  private readonly fnBlocks = new Map<string, Set<string>>();
  private started = false;

  constructor(private readonly files: readonly string[]) {}

  private post<T>(method: string, params?: object): T {
    let out: T | undefined;
    let err: Error | null = null;
    // the inspector session answers synchronously within post() for these methods
    this.session.post(method, params ?? {}, (e, r) => {
      err = e;
      out = r as T;
    });
    if (err) throw err;
    return out as T;
  }

  start(): void {
    if (this.started) return;
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    this.started = true;
  }

  /** Fold what ran since the last call into the union. */
  take(): void {
    if (!this.started) return;
    const { result } = this.post<{ result: V8Script[] }>('Profiler.takePreciseCoverage');
    for (const s of result) {
      const file = this.files.find((f) => s.url.endsWith('/' + f));
      if (!file) continue;
      let m = this.blocks.get(file);
      if (!m) this.blocks.set(file, (m = new Map()));
      for (const fn of s.functions) {
        if (!fn.functionName) continue; // the module body
        const fkey = `${file}:${fn.functionName}`;
        let fb = this.fnBlocks.get(fkey);
        if (!fb) this.fnBlocks.set(fkey, (fb = new Set()));
        for (const r of fn.ranges) {
          const k = `${r.startOffset}-${r.endOffset}`;
          fb.add(k);
          // a nested range with count 0 is a block not run; the function's own range counts calls
          if (r.count > 0 || !m.has(k)) m.set(k, (m.get(k) ?? false) || r.count > 0);
        }
      }
    }
  }

  stop(): void {
    if (!this.started) return;
    this.post('Profiler.stopPreciseCoverage');
    this.post('Profiler.disable');
    this.session.disconnect();
    this.started = false;
  }

  summary(): CoverageSummary {
    let blocks = 0;
    let blocksHit = 0;
    for (const m of this.blocks.values())
      for (const hit of m.values()) {
        blocks++;
        if (hit) blocksHit++;
      }
    const perFunction: Record<string, [number, number]> = {};
    const unreached: string[] = [];
    let functionsHit = 0;
    for (const [fkey, keys] of this.fnBlocks) {
      const file = fkey.slice(0, fkey.indexOf(':'));
      const m = this.blocks.get(file)!;
      let hit = 0;
      for (const k of keys) if (m.get(k)) hit++;
      perFunction[fkey] = [hit, keys.size];
      if (hit === 0) unreached.push(fkey);
      else functionsHit++;
    }
    return { blocks, blocksHit, functions: this.fnBlocks.size, functionsHit, unreachedFunctions: unreached.sort(), perFunction };
  }

  /** Blocks hit / known of one function (any file), or null when it never showed up. */
  functionCoverage(name: string): [number, number] | null {
    for (const [fkey, v] of Object.entries(this.summary().perFunction)) if (fkey.endsWith(':' + name)) return v;
    return null;
  }
}

/** Merge summaries from several workers (union by function; blocks as the sum of per-function maxima). */
export function mergeSummaries(all: CoverageSummary[]): CoverageSummary | null {
  if (all.length === 0) return null;
  const perFunction: Record<string, [number, number]> = {};
  for (const s of all)
    for (const [k, [hit, n]] of Object.entries(s.perFunction)) {
      const cur = perFunction[k];
      perFunction[k] = cur ? [Math.max(cur[0], hit), Math.max(cur[1], n)] : [hit, n];
    }
  let blocks = 0;
  let blocksHit = 0;
  const unreached: string[] = [];
  let functionsHit = 0;
  for (const [k, [hit, n]] of Object.entries(perFunction)) {
    blocks += n;
    blocksHit += hit;
    if (hit === 0) unreached.push(k);
    else functionsHit++;
  }
  return { blocks, blocksHit, functions: Object.keys(perFunction).length, functionsHit, unreachedFunctions: unreached.sort(), perFunction };
}
