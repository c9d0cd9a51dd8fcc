// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every compiled schema has one shape (schema/compile.ts: CompiledSchema):
 * the parser and the replays read a line's schema on every event, and
 * those reads stay monomorphic only while all schemas share their
 * prototype and their own properties, in one order, before and after
 * their scanners are compiled on first use.
 */
import { describe, expect, it } from 'vitest';
import { FUSE_SCHEMAS, FUSE_V7_SCHEMAS, XFS_SCHEMAS } from '../src/trace/schema/registry.js';

const all = [...FUSE_SCHEMAS.values(), ...FUSE_V7_SCHEMAS.values(), ...XFS_SCHEMAS.values()];

describe('compiled schemas', () => {
  it('share one prototype and one list of own properties, before and after their scanners are made', () => {
    const proto = Object.getPrototypeOf(all[0]);
    const keys = Reflect.ownKeys(all[0]);
    expect(proto).not.toBe(Object.prototype);
    for (const s of all) {
      expect(Object.getPrototypeOf(s)).toBe(proto);
      expect(Reflect.ownKeys(s)).toStrictEqual(keys);
    }
    // scanner and columns are getters of the prototype, compiled once
    for (const s of all) {
      expect(Object.getOwnPropertyDescriptor(s, 'columns')).toBeUndefined();
      const c = s.columns;
      expect(s.columns).toBe(c);
      expect(s.scanner).toBe(s.scanner);
      expect(Reflect.ownKeys(s)).toStrictEqual(keys);
    }
    expect(typeof FUSE_SCHEMAS.get('fuse_iext_insert')!.columns).toBe('function');
  });
});
