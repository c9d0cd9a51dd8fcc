// SPDX-License-Identifier: GPL-2.0-only
/*
 * Subcommands beyond run/demo/generate, each in its own file.
 */
import type { CliCommand } from './command.js';
import { fuzzCommand } from './fuzz-command.js';
import { captureCommand, liveCommand } from './live-command.js';
import { revisionsCommand } from './revisions-command.js';
import { simulateCommand } from './simulate-command.js';
import { replayCommand, traceCommand } from './trace-command.js';

export const EXTRA_COMMANDS: readonly CliCommand[] = [
  traceCommand,
  replayCommand,
  liveCommand,
  captureCommand,
  revisionsCommand,
  simulateCommand,
  fuzzCommand,
];
