// SPDX-License-Identifier: GPL-2.0-only
/*
 * The extra subcommands are imported lazily (src/cli/commands.ts): each
 * entry must load the command it is named after, and the usage text must
 * still list every one of them.
 */
import { describe, expect, it } from 'vitest';
import { EXTRA_COMMANDS, extraUsage } from '../src/cli/commands.js';

describe('lazily loaded subcommands', () => {
  it('every entry loads the command of its own name, once each', async () => {
    const names = EXTRA_COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const lazy of EXTRA_COMMANDS) {
      const cmd = await lazy.load();
      expect(cmd.name).toBe(lazy.name);
      expect(typeof cmd.run).toBe('function');
    }
  });

  it('the usage text has each command, in the table order', async () => {
    const usage = await extraUsage();
    let at = -1;
    for (const { name } of EXTRA_COMMANDS) {
      const i = usage.indexOf(`iomap-sim ${name === 'trace' ? 'trace parse' : name}`);
      expect(i, name).toBeGreaterThan(at);
      at = i;
    }
  });
});
