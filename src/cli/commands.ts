// SPDX-License-Identifier: GPL-2.0-only
/*
 * Subcommands beyond run/demo/generate, each in its own file. They are
 * imported only when used: together they pull in the simulator, the
 * report's plotting libraries and the native bridge, which cost several
 * tenths of a second of module loading that `iomap-sim run` does not need.
 */
import type { CliCommand } from './command.js';

export interface LazyCommand {
  /** the word after `iomap-sim` */
  readonly name: string;
  load(): Promise<CliCommand>;
}

export const EXTRA_COMMANDS: readonly LazyCommand[] = [
  { name: 'trace', load: async () => (await import('./trace-command.js')).traceCommand },
  { name: 'replay', load: async () => (await import('./trace-command.js')).replayCommand },
  { name: 'live', load: async () => (await import('./live-command.js')).liveCommand },
  { name: 'capture', load: async () => (await import('./live-command.js')).captureCommand },
  { name: 'revisions', load: async () => (await import('./revisions-command.js')).revisionsCommand },
  { name: 'simulate', load: async () => (await import('./simulate-command.js')).simulateCommand },
  { name: 'fuzz', load: async () => (await import('./fuzz-command.js')).fuzzCommand },
];

/** The usage lines of every extra command, in the order above. */
export async function extraUsage(): Promise<string> {
  const loaded = await Promise.all(EXTRA_COMMANDS.map((c) => c.load()));
  return loaded.map((c) => c.usage).join('');
}
