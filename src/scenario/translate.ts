// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping type and flag values per kernel revision. The scenario parser
 * resolves TYPE and FLAGS names with the tables of the revision the
 * scenario runs under; a scenario parsed for one revision and run under
 * another (run --revision over a `revision` line, revisions diff) is
 * re-encoded by name. v7 renumbered both: overwrite 0xffff -> 255, null ->
 * nocache 253, boundary 0x40 -> 0x10, ... (docs/revisions.md).
 */
import { type ResolvedRevision, type Revision, resolveRevision, revisionByName, revisionNames, RFC_V3 } from '../cache/revision.js';
import type { Command, Scenario } from './parse.js';

type NameTable = ReadonlyArray<readonly [number, string]>;

/**
 * Names one revision lost and the next one's equivalent: v7's NOCACHE
 * ("do not cache this half" of an upsert) replaced rfc-v3's NULL.
 */
const SUCCESSORS: ReadonlyMap<string, string> = new Map([
  ['null', 'nocache'],
  ['nocache', 'null'],
]);

/** The revisions whose table has `name` (for "exists only in ..." errors). */
export function revisionsWithName(name: string, kind: 'type' | 'flag'): string[] {
  return revisionNames().filter((n) => {
    const r = resolveRevision(revisionByName(n)!);
    return (kind === 'type' ? r.typeNames : r.flagNames).some(([, v]) => v === name);
  });
}

/** TYPE name -> value in `rev`, or undefined */
export const typeValue = (rev: ResolvedRevision, name: string): number | undefined => rev.typeNames.find(([, n]) => n === name)?.[0];
/** one FLAGS name -> bit in `rev`, or undefined */
export const flagValue = (rev: ResolvedRevision, name: string): number | undefined => rev.flagNames.find(([, n]) => n === name)?.[0];

/** The revision whose values a parsed scenario's mappings carry. */
export const scenarioEncoding = (sc: Scenario): ResolvedRevision => resolveRevision(sc.encoding ?? RFC_V3);

/**
 * Re-encodes each mapping's type and flags by name from the scenario's
 * encoding to `to`. A type `to` lacks keeps its number (the cache only
 * compares types with its own constants); a flag `to` lacks (xattr in v7)
 * goes to a spare high bit, keeping distinct flags distinct. Returns the
 * scenario itself when both revisions use the same tables.
 */
export function translateScenario(sc: Scenario, to: Revision | ResolvedRevision): Scenario {
  const from = scenarioEncoding(sc);
  const target = resolveRevision(to);
  if (from.typeNames === target.typeNames && from.flagNames === target.flagNames) return { ...sc, encoding: to };
  const types = valueMap(from.typeNames, target.typeNames);
  const bits = valueMap(from.flagNames, target.flagNames);
  let spare = 1 << 15;
  const spareBits = new Map<number, number>();
  const flags = (f: number): number => {
    let out = 0;
    for (let bit = 1; bit <= 0x8000; bit <<= 1) {
      if (!(f & bit)) continue;
      let b = bits.get(bit);
      if (b === undefined) {
        if (!spareBits.has(bit)) spareBits.set(bit, (spare >>= 1));
        b = spareBits.get(bit)!;
      }
      out |= b;
    }
    return out;
  };
  const commands = sc.commands.map((c: Command): Command =>
    c.op === 'add' || c.op === 'upsert' ? { ...c, map: { ...c.map, type: types.get(c.map.type) ?? c.map.type, flags: flags(c.map.flags) } } : c,
  );
  return { ...sc, encoding: to, commands };
}

/** value in `from` -> value of the same name (or its successor) in `to` */
function valueMap(from: NameTable, to: NameTable): Map<number, number> {
  const byName = new Map(to.map(([v, n]) => [n, v]));
  const out = new Map<number, number>();
  for (const [v, n] of from) {
    const w = byName.get(n) ?? byName.get(SUCCESSORS.get(n) ?? '');
    if (w !== undefined) out.set(v, w);
  }
  return out;
}
