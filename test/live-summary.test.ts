// SPDX-License-Identifier: GPL-2.0-only
/*
 * The last line of `iomap-sim live` / `capture` (src/cli/live-command.ts
 * liveSummary): events, inodes, unknown starts, divergences, lost events,
 * and the hashed-pointer collisions only when there were some.
 */
import { describe, expect, it } from 'vitest';
import { liveSummary } from '../src/cli/live-command.js';
import type { ReplayReport } from '../src/trace/replay/report.js';

const report = (extra: Partial<ReplayReport> = {}): ReplayReport => ({
  dialect: 'xfs',
  events: 2038054,
  perEvent: {},
  checked: 977763,
  inodesChecked: 1,
  unknownStart: [],
  unknownStartEvents: 0,
  divergences: 0,
  first: null,
  divergent: [],
  lostEvents: 0,
  lostMarkers: 0,
  problems: 0,
  seqChecks: 32193,
  ...extra,
});

describe('live summary line', () => {
  it('without collisions', () => {
    expect(liveSummary(report(), 0)).toBe('live xfs: 2038054 events seen, 1 inodes checked, 0 unknown start, 0 divergences, 0 lost events');
  });

  it('counts hashed-pointer collisions when there are some, and the lost events it is given', () => {
    expect(liveSummary(report({ pointerCollisions: 1, unknownStart: ['dev 7:0 ino 0x84 data fork'] }), 12)).toBe(
      'live xfs: 2038054 events seen, 1 inodes checked, 1 unknown start, 0 divergences, 12 lost events, 1 hashed-pointer collisions',
    );
  });
});
