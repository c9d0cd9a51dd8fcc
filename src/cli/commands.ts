// SPDX-License-Identifier: GPL-2.0-only
/*
 * Subcommands beyond run/demo/generate, each in its own file.
 */
import type { CliCommand } from './command.js';

export const EXTRA_COMMANDS: readonly CliCommand[] = [];
