// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concrete cache operations as scenario-language lines (the fixtures'
 * README), so that a reproducer is also something `iomap-sim run` runs,
 * and back through the project's own scenario parser.
 */
import { Fork } from '../cache/constants.js';
import type { Revision } from '../cache/revision.js';
import { parseScenario, type Scenario } from '../scenario/parse.js';
import { bigMapping } from '../iext/record.js';
import { toBig } from '../util/int64.js';
import type { Op, Setting } from './cache-model.js';

const h = (x: bigint): string => '0x' + BigInt.asUintN(64, x).toString(16);
const f = (fork: Fork): string => (fork === Fork.READ ? 'read' : 'write');

export function opLine(o: Op): string {
  switch (o.op) {
    case 'add':
    case 'upsert': {
      const m = o.map;
      return `${o.op} ${f(o.fork)} ${h(m.offset)} ${h(m.length)} ${h(m.addr)} ${m.type} ${m.flags} ${m.dev}`;
    }
    case 'remove':
      return `remove ${f(o.fork)} ${h(o.start)} ${h(o.len)}`;
    case 'lookup':
      return `lookup ${f(o.fork)} ${h(o.off)} ${h(o.len)}`;
    case 'inval':
      return `invalidate ${h(o.off)} ${h(o.len)}`;
  }
}

export function settingLines(s: Setting, revision: Revision | null): string[] {
  const lines = revision ? [`revision ${revision.name}`] : [];
  lines.push(`geometry ${s.geometry.name}`, `blocksize ${s.bs}`, `maxbytes ${h(s.maxBytes)}`);
  return lines;
}

/** A scenario's commands as operations (dump lines carry nothing to replay). */
export function scenarioOps(sc: Scenario): Op[] {
  const ops: Op[] = [];
  for (const c of sc.commands) {
    switch (c.op) {
      case 'add':
      case 'upsert':
        ops.push({ op: c.op, fork: c.fork, map: bigMapping(c.map) });
        break;
      case 'remove':
        ops.push({ op: 'remove', fork: c.fork, start: toBig(c.offset), len: toBig(c.length) });
        break;
      case 'lookup':
        ops.push({ op: 'lookup', fork: c.fork, off: toBig(c.pos), len: toBig(c.count) });
        break;
      case 'invalidate':
        ops.push({ op: 'inval', off: toBig(c.offset), len: toBig(c.length) });
        break;
      case 'dump':
        break;
    }
  }
  return ops;
}

/** Parse scenario text into its setting, revision and operations (ScenarioError names FILE:LINE). */
export function parseScenarioOps(text: string, file: string): { setting: Setting; revision: Revision | null; ops: Op[] } {
  const sc = parseScenario(text, file);
  return { setting: { geometry: sc.geometry, bs: sc.blockSize, maxBytes: sc.maxBytes }, revision: sc.revision ?? null, ops: scenarioOps(sc) };
}
