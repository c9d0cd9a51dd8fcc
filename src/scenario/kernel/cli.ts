// SPDX-License-Identifier: GPL-2.0-only
/*
 * `iomap-sim kernel FILE`: `run` for scenarios that drive the kernel
 * consumers, with every tracepoint in the trace: the cache's, the
 * notification layer's and the iomap consumers' (docs/kernel-scenarios.md).
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_REVISION, revisionByName, revisionNames } from '../../cache/revision.js';
import { KernelOops } from '../../iext/record.js';
import { formatFuseEventAs, formatRevisionEvent, ftracePrefix } from '../../trace/fuse-format.js';
import { traceFormatOf } from '../../trace/revision.js';
import { writeJson, writeOut } from '../output.js';
import { parseScenario, ScenarioError } from '../parse.js';
import { type CommandResult, runScenario } from '../run.js';

/** Bad command line (main.ts treats any error named UsageError... so this reports itself and returns 2). */
function usage(msg: string): number {
  process.stderr.write(`iomap-sim kernel: ${msg}\n${KERNEL_CLI_USAGE}`);
  return 2;
}

export const KERNEL_CLI_USAGE = `  iomap-sim kernel FILE [--json] [--trace OUT] [--revision NAME] [--debug] [--lock-events]
                                      run a scenario with kernel commands (docs/kernel-scenarios.md); the trace
                                      has the iomap_begin/revalidation/hook and notification tracepoints too
`;

/** A trace_pipe writer for every event family, one steady clock. */
class TraceWriter {
  private micros = 100_000_000;
  constructor(private readonly fd: number) {}
  line(name: string, body: string): void {
    this.micros++;
    writeSync(this.fd, `${ftracePrefix('fuse2fs', 4242, 0, this.micros)}${name}: ${body}\n`);
  }
}

export function runKernelCli(args: string[]): number {
  let values: { json?: boolean; trace?: string; revision?: string; debug?: boolean; 'lock-events'?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, trace: { type: 'string' }, revision: { type: 'string' }, debug: { type: 'boolean' }, 'lock-events': { type: 'boolean' } },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (positionals.length !== 1) return usage('takes exactly one scenario FILE');
  const file = positionals[0];
  const revision = values.revision === undefined ? undefined : revisionByName(values.revision);
  if (values.revision !== undefined && !revision) return usage(`unknown revision '${values.revision}' (known: ${revisionNames().join(', ')})`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return usage(`cannot read ${file}: ${(e as Error).message}`);
  }
  let traceFd: number | undefined;
  try {
    const scenario = parseScenario(text, file, { revision });
    const format = traceFormatOf(revision ?? scenario.revision ?? DEFAULT_REVISION);
    if (values.trace !== undefined) traceFd = openSync(values.trace, 'w');
    const tw = traceFd === undefined ? undefined : new TraceWriter(traceFd);
    const write = (s: string) => process.stdout.write(s);
    const fmt = values.json ? writeJson : writeOut;
    const summary = runScenario(scenario, {
      revision,
      debug: values.debug,
      lockEvents: values['lock-events'],
      sink: tw
        ? (ev) => {
            const body = formatFuseEventAs(ev, format);
            if (body !== null) tw.line(ev.name, body);
          }
        : undefined,
      revisionSink: tw
        ? (ev) => {
            const body = formatRevisionEvent(ev, format);
            if (body !== null) tw.line(ev.name, body);
          }
        : undefined,
      traceLine: tw ? (name, body) => tw.line(name, body) : undefined,
      onResult: (r: CommandResult) => fmt(r, write),
    });
    for (const w of summary.cache.warnings) process.stderr.write(`WARN: ${w}\n`);
    for (const [id, h] of summary.hazards) process.stderr.write(`iomap-sim: hazard ${id} (${h.hit.hazard.spec}) x${h.count}, first at ${file}:${h.firstLine}: ${h.hit.hazard.summary}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`iomap-sim: ${e.message}\n`);
      return 1;
    }
    if (e instanceof KernelOops) {
      process.stderr.write(`iomap-sim: ${file}:${e.line}: the modelled kernel would crash here: ${e.message}\n`);
      return 3;
    }
    if ((e as NodeJS.ErrnoException).code && values.trace !== undefined && traceFd === undefined) return usage(`cannot write trace ${values.trace}: ${(e as Error).message}`);
    throw e;
  } finally {
    if (traceFd !== undefined) closeSync(traceFd);
  }
}

export const kernelCommand = { name: 'kernel', usage: KERNEL_CLI_USAGE, run: runKernelCli } as const;
