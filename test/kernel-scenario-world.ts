// SPDX-License-Identifier: GPL-2.0-only
/* Runs a kernel scenario and collects its output lines, trace lines and hazards. */
import { formatFuseEventAs } from '../src/trace/fuse-format.js';
import { writeJson, writeOut } from '../src/scenario/output.js';
import { parseScenario } from '../src/scenario/parse.js';
import { type RunOptions, runScenario } from '../src/scenario/run.js';

export interface KernelRun {
  out: string[];
  json: Array<Record<string, unknown>>;
  /** [event name, TP_printk body] in firing order */
  trace: Array<[string, string]>;
  hazards: Map<string, number>;
}

export function runKernel(text: string, opts: RunOptions = {}): KernelRun {
  const r: KernelRun = { out: [], json: [], trace: [], hazards: new Map() };
  const summary = runScenario(parseScenario(text, 't.scenario', { revision: opts.revision }), {
    ...opts,
    sink: (ev) => r.trace.push([ev.name, formatFuseEventAs(ev, 'rfc-v3')!]),
    traceLine: (name, body) => r.trace.push([name, body]),
    onResult: (res) => {
      writeOut(res, (s) => r.out.push(s.replace(/\n$/, '')));
      writeJson(res, (s) => r.json.push(JSON.parse(s)));
    },
  });
  for (const [id, h] of summary.hazards) r.hazards.set(id, h.count);
  return r;
}

/** the value after `key` in an output line */
export function field(line: string, key: string): string | undefined {
  const w = line.split(' ');
  const i = w.indexOf(key);
  return i < 0 ? undefined : w[i + 1];
}
