// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shape of one iomap-sim subcommand. Each lives in its own
 * src/cli/<name>-command.ts and is listed in main.ts.
 */

export interface CliCommand {
  /** the word after `iomap-sim` */
  readonly name: string;
  /** usage lines shown by `iomap-sim help`, already indented by two spaces */
  readonly usage: string;
  /** runs the command; resolves to the process exit status */
  run(args: string[]): number | Promise<number>;
}

/** Bad command line: main prints the message and the usage, exit status 2. */
export class UsageError extends Error {}
