#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomap-sim command line.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Fork } from '../cache/constants.js';
import { revisionByName, revisionNames, DEFAULT_REVISION } from '../cache/revision.js';
import { builtinScenario } from '../scenario/builtin.js';
import { generateGrow } from '../scenario/generate.js';
import { OutBytes, writeJson, writeOutI } from '../scenario/output.js';
import { parseScenario, ScenarioError } from '../scenario/parse.js';
import { type CommandResult, type CommandResultI, type RunSummary, runScenario } from '../scenario/run.js';
import { hazardSummary } from '../cache/hazards.js';
import { FtraceTextWriter } from '../trace/fuse-format.js';
import { traceFormatOf } from '../trace/revision.js';
import { KernelLockup, KernelOops } from '../iext/record.js';
import { BufferedWriter } from './buffered-writer.js';
import { type CliCommand, UsageError } from './command.js';
import { EXTRA_COMMANDS, extraUsage } from './commands.js';

const CORE_USAGE = `usage:
  iomap-sim demo                      run the built-in scenario and print a summary
  iomap-sim run FILE [options]        run a scenario file (../shared/fixtures/README.md)
      --json                          one JSON object per command instead of the .out text
      --trace OUT                     write every tracepoint in ftrace text form to OUT
      --lock-events                   include fuse_iomap_cache_lock/unlock in the trace
      --revision NAME                 kernel revision (${revisionNames().join(', ')}; default: the scenario's
                                      \`revision\` line, else ${DEFAULT_REVISION.name}); TYPE and FLAGS names are its own
      --cache-maxbytes N              the server's cache_maxbytes (v7 and later; overrides \`cachemaxbytes\`)
      --debug                         model CONFIG_FUSE_IOMAP_DEBUG (ASSERTs warn, check_mappings runs)
  iomap-sim generate grow [--commands N] [--seed S]
                                      print a generated scenario of the grow kind
`;

/** The whole usage text: loads every extra command for its lines. */
const usage = async (): Promise<string> => CORE_USAGE + (await extraUsage());

function main(argv: string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'demo':
      return demo(rest);
    case 'run':
      return run(rest);
    case 'generate':
      return generate(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return usage().then((u) => {
        process.stdout.write(u);
        return cmd === undefined ? 2 : 0;
      });
    default: {
      const extra = EXTRA_COMMANDS.find((c) => c.name === cmd);
      if (!extra) throw new UsageError(`unknown command '${cmd}'`);
      return extra.load().then((c: CliCommand) => c.run(rest));
    }
  }
}

function run(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      trace: { type: 'string' },
      'lock-events': { type: 'boolean' },
      revision: { type: 'string' },
      'cache-maxbytes': { type: 'string' },
      debug: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('run takes exactly one scenario FILE');
  const cacheMaxBytes = cacheMaxBytesArg(values['cache-maxbytes']);
  const file = positionals[0];
  const revision = values.revision === undefined ? undefined : revisionByName(values.revision);
  if (values.revision !== undefined && !revision) throw new UsageError(`unknown revision '${values.revision}' (known: ${revisionNames().join(', ')})`);

  let text: Buffer; // parsed as bytes: no UTF-8 decoding of the whole file
  try {
    text = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const scenario = parseScenario(text, file, { revision });
  const effective = revision ?? scenario.revision ?? DEFAULT_REVISION;
  if (cacheMaxBytes !== undefined && !effective.cacheSizeCap)
    throw new UsageError(`--cache-maxbytes: revision ${effective.name} has no per-connection cache cap`);
  // the trace is written in the revision's own tracepoint texts
  const traceFormat = traceFormatOf(effective);
  if (values['lock-events'] && traceFormat === 'v7') throw new UsageError(`--lock-events: revision ${effective.name} has no lock tracepoints`);

  const out = new BufferedWriter(1);
  let traceOut: BufferedWriter | undefined;
  if (values.trace !== undefined) {
    try {
      traceOut = new BufferedWriter(openSync(values.trace, 'w'));
    } catch (e) {
      throw new UsageError(`cannot write trace ${values.trace}: ${(e as Error).message}`);
    }
  }
  const tracer = traceOut ? new FtraceTextWriter((s) => traceOut!.write(s), undefined, undefined, undefined, traceFormat) : undefined;
  const write = (s: string) => out.write(s);
  // .out text is printed into bytes and copied into out in 64 KiB chunks
  const outBytes = new OutBytes((b, n) => out.writeBytes(b, n));
  let summary: RunSummary;
  try {
    summary = runScenario(scenario, {
      revision,
      cacheMaxBytes,
      debug: values.debug,
      lockEvents: values['lock-events'],
      sink: tracer ? (ev) => tracer.event(ev) : undefined,
      // v7 traces show the cache object's alloc/free and the cap's cleanup; the
      // rfc-v3 fixtures (the seed's harness) have no fuse_iomap_cache_enable
      revisionSink: tracer && traceFormat === 'v7' ? (ev) => tracer.revisionEvent(ev) : undefined,
      // kernel scenarios: the iomap consumers' and notification layer's tracepoints
      traceLine: tracer ? (name, body) => tracer.line(name, body) : undefined,
      // .out text straight from the cache's I64 values; JSON from the bigint results
      ...(values.json ? { onResult: (r: CommandResult) => writeJson(r, write) } : { onResultI: (r: CommandResultI) => writeOutI(r, outBytes) }),
    });
  } catch (e) {
    if (!(e instanceof KernelOops)) throw e;
    outBytes.flush();
    out.flush();
    process.stderr.write(`iomap-sim: ${file}:${e.line}: the modelled kernel would ${e instanceof KernelLockup ? 'hang' : 'crash'} here: ${e.message}\n`);
    return 3;
  } finally {
    outBytes.flush();
    out.flush();
    if (traceOut) {
      traceOut.flush();
      closeSync(traceOut.fd);
    }
  }
  for (const w of summary.cache.warnings) process.stderr.write(`WARN: ${w}\n`);
  reportHazards(summary, (s) => process.stderr.write(s));
  return 0;
}

function cacheMaxBytesArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffff_ffff) throw new UsageError(`--cache-maxbytes '${v}' is not an unsigned 32-bit integer`);
  return Number(v);
}

function reportHazards(summary: RunSummary, write: (s: string) => void): void {
  if (summary.hazards.size === 0) return;
  write(`seed hazards reproduced (the model behaves as the kernel would):\n`);
  for (const { hit, count, firstLine } of summary.hazards.values())
    write(`  ${hit.hazard.id} [${hit.hazard.spec}] x${count}, first at line ${firstLine}: ${hit.detail}\n    ${hazardSummary(hit.hazard, summary.cache.rev)}\n`);
}

function demo(args: string[]): number {
  if (args.length) throw new UsageError('demo takes no arguments');
  const sc = parseScenario(builtinScenario(), '<built-in>');
  const counts = new Map<string, number>();
  let hits = 0;
  let misses = 0;
  let noforks = 0;
  let errors = 0;
  let maxHeight = 0;
  let maxExtents = 0;
  let leavesAllocated = 0;
  let moves = 0;
  let lastHit: { line: number; cookie: bigint } | undefined;
  const t0 = performance.now();
  const summary = runScenario(sc, {
    onAlloc: (_fork, ev) => {
      if (ev.op === 'alloc' && ev.kind === 'leaf') leavesAllocated++;
      if (ev.op === 'realloc' && ev.moved) moves++;
    },
    onResult: (r, cache) => {
      counts.set(r.op, (counts.get(r.op) ?? 0) + 1);
      if (r.op === 'lookup') {
        if (r.result === 'hit') {
          hits++;
          lastHit = { line: r.line, cookie: r.map.validityCookie };
        } else if (r.result === 'miss') misses++;
        else noforks++;
      } else if ('ret' in r && r.ret !== 0) errors++;
      maxHeight = Math.max(maxHeight, cache.read.height, cache.write?.height ?? 0);
      maxExtents = Math.max(maxExtents, cache.read.count() + (cache.write?.count() ?? 0));
    },
  });
  const ms = performance.now() - t0;
  const c = summary.cache;
  const w = c.forkPtr(Fork.WRITE);
  const p = (s: string) => process.stdout.write(s + '\n');
  p(`iomap-sim: built-in scenario (fuse2fs-like server, ${c.revision.name} cache of seed 001)`);
  p(`  commands   ${summary.commands} (${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}) in ${ms.toFixed(1)} ms`);
  p(`  lookups    ${hits} hit, ${misses} miss, ${noforks} nofork: hit ratio ${((100 * hits) / Math.max(1, hits + misses + noforks)).toFixed(1)}%`);
  p(`  errors     ${errors} command(s) returned an errno`);
  p(`  tree       up to ${maxExtents} cached extents, height up to ${maxHeight}; ${leavesAllocated} leaves allocated, ${moves} height-1 root reallocations moved the root`);
  p(`  at the end read fork ${c.read.count()} extents (height ${c.read.height}), write fork ${w ? `${w.count()} extents` : 'never created'}, im_seq ${c.seq}`);
  if (lastHit && lastHit.cookie === c.seq && summary.hazards.has('erase-all-no-seq-bump'))
    p(`  cookie     the mapping handed out at line ${lastHit.line} (cookie ${lastHit.cookie}) still revalidates although its fork was erased`);
  reportHazards(summary, (s) => process.stdout.write(s));
  return 0;
}

function generate(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { commands: { type: 'string' }, seed: { type: 'string' } },
  });
  if (positionals.length !== 1 || positionals[0] !== 'grow') throw new UsageError('generate knows one kind: grow');
  const commands = values.commands === undefined ? 300_000 : Number(values.commands);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(commands) || commands < 1) throw new UsageError(`--commands '${values.commands}' must be a positive integer`);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed '${values.seed}' must be an integer`);
  const out = new BufferedWriter(1);
  out.write(generateGrow({ commands, seed }));
  out.flush();
  return 0;
}

function report(e: unknown): void {
  if (e instanceof ScenarioError) {
    process.stderr.write(`iomap-sim: ${e.message}\n`);
    process.exitCode = 1;
  } else if (e instanceof KernelOops) {
    const where = e.line === undefined ? '' : `line ${e.line}: `;
    process.stderr.write(`iomap-sim: ${where}the modelled kernel would ${e instanceof KernelLockup ? 'hang' : 'crash'} here: ${e.message}\n`);
    process.exitCode = 3;
  } else if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.exitCode = 2;
    const message = (e as Error).message;
    void usage().then((u) => process.stderr.write(`iomap-sim: ${message}\n${u}`));
  } else {
    throw e;
  }
}

try {
  const status = main(process.argv.slice(2));
  if (typeof status === 'number') process.exitCode = status;
  else status.then((s) => (process.exitCode = s), report);
} catch (e) {
  report(e);
}
