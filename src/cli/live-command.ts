// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomap-sim live xfs [options] -- CMD ARGS...   and
 * iomap-sim capture xfs OUT [options] -- CMD ARGS...
 * A fresh XFS on a loop device, CMD run with $IOMAP_SIM_MNT, everything the
 * xfs iext/bmap/iomap tracepoints show replayed into the model; torn down
 * on success, error and Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { LiveError } from '../bridge/system.js';
import { liveXfs } from '../bridge/live-session.js';
import { type ReplayReport, formatReport } from '../trace/replay/report.js';
import { type CliCommand, UsageError } from './command.js';
import { raceWindowArg } from './trace-command.js';

function split(args: string[], what: string): { own: string[]; command: string[] } {
  const dash = args.indexOf('--');
  if (dash < 0) throw new UsageError(`${what}: put the command after --, e.g. ${what} -- xfs_io -f -c 'pwrite 0 1m' '$IOMAP_SIM_MNT/f'`);
  const command = args.slice(dash + 1);
  if (command.length === 0) throw new UsageError(`${what}: no command after --`);
  return { own: args.slice(0, dash), command };
}

async function session(args: string[], mode: 'live' | 'capture'): Promise<number> {
  const { own, command } = split(args, `iomap-sim ${mode}`);
  const { values, positionals } = parseArgs({
    args: own,
    options: { 'buffer-kb': { type: 'string' }, 'image-mib': { type: 'string' }, capture: { type: 'string' }, quiet: { type: 'boolean' }, 'race-window': { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals[0] !== 'xfs') throw new UsageError(`${mode}: only the xfs dialect can be captured live here (a kernel with the fuse-iomap patches: see docs/live-bridge.md)`);
  let out = values.capture;
  if (mode === 'capture') {
    if (positionals.length !== 2) throw new UsageError('capture xfs OUT -- CMD ARGS...: name the output file');
    out = positionals[1];
  } else if (positionals.length !== 1) throw new UsageError(`live: unexpected '${positionals[1]}'`);
  const int = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: '${v}' is not a number`);
    return Number(v);
  };
  try {
    const raceWindowMicros = raceWindowArg(values['race-window']);
    const r = await liveXfs({ command, capture: out, bufferKb: int(values['buffer-kb'], 'buffer-kb'), imageMiB: int(values['image-mib'], 'image-mib'), stdio: 'inherit', raceWindowMicros });
    const text = formatReport(r.report, out ?? 'live').split('\n');
    if (values.quiet) text.splice(0, text.length - 1);
    process.stdout.write(text.slice(0, -1).join('\n') + (text.length > 1 ? '\n' : ''));
    if (r.exitCode !== 0) process.stdout.write(`the command exited with status ${r.exitCode}\n`);
    for (const e of r.cleanupErrors) process.stdout.write(`cleanup failed: ${e}\n`);
    if (out) process.stdout.write(`capture saved to ${out} (iomap-sim replay ${out})\n`);
    const rep = r.report;
    process.stdout.write(liveSummary(rep, r.lostEvents) + '\n');
    return rep.divergences === 0 && r.lostEvents === 0 && r.exitCode === 0 && r.cleanupErrors.length === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof LiveError) {
      process.stderr.write(`iomap-sim ${mode}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** The session's last line: what was seen and checked, divergences, lost events, and hashed-pointer collisions if any. */
export function liveSummary(rep: ReplayReport, lostEvents: number): string {
  const collisions = rep.pointerCollisions ? `, ${rep.pointerCollisions} hashed-pointer collisions` : '';
  return `live xfs: ${rep.events} events seen, ${rep.inodesChecked} inodes checked, ${rep.unknownStart.length} unknown start, ${rep.divergences} divergences, ${lostEvents} lost events${collisions}`;
}

export const liveCommand: CliCommand = {
  name: 'live',
  usage: `  iomap-sim live xfs [--capture OUT] [--buffer-kb N] [--image-mib N] [--race-window MICROS] [--quiet] -- CMD ARGS...
                                      (root) fresh XFS on a loop device mounted at $IOMAP_SIM_MNT, CMD run there,
                                      every xfs iext/bmap/iomap event replayed into the model; exit 0 only when
                                      nothing diverged and nothing was lost
                                      --buffer-kb N: ring buffer per CPU (default 256 MiB, less where memory is
                                      short: a sixteenth of the available memory over the CPUs, at least 32 MiB)
`,
  run: (args: string[]) => session(args, 'live'),
};

export const captureCommand: CliCommand = {
  name: 'capture',
  usage: `  iomap-sim capture xfs OUT [--buffer-kb N] [--image-mib N] [--race-window MICROS] -- CMD ARGS...
                                      the same session, its trace saved to OUT for iomap-sim replay OUT
`,
  run: (args: string[]) => session(args, 'capture'),
};
