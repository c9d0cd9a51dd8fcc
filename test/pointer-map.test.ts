// SPDX-License-Identifier: GPL-2.0-only
/*
 * The replay's kernel-pointer <-> model-block map (trace/replay/pointer-map.ts):
 * one to one for each block's lifetime, except that a hashed %p (32 bits,
 * 00000000xxxxxxxx) may be shared by two live blocks (a collision, counted);
 * releasing a block frees its pointer, or hands a shared one to the block
 * still holding it.
 */
import { describe, expect, it } from 'vitest';
import { NULL_POINTER, PointerMap, isHashedPointer } from '../src/trace/replay/pointer-map.js';

const H = '00000000deadbeef';
const H2 = '0000000012345678';
const RAW = 'ffff8881deadbeef';

/** a map where blocks a and b (a first) share the hashed pointer H */
function shared(): PointerMap {
  const m = new PointerMap();
  m.pair(H, 'a');
  m.pair(H, 'b');
  return m;
}

describe('PointerMap', () => {
  it('tells a hashed pointer from a raw one and NULL', () => {
    expect(isHashedPointer(H)).toBe(true);
    expect(isHashedPointer(RAW)).toBe(false);
    expect(isHashedPointer(NULL_POINTER)).toBe(false);
    expect(isHashedPointer('00000000dead')).toBe(false);
  });

  it('a raw pointer bound to a live block refuses a new block', () => {
    const m = new PointerMap();
    expect(m.pair(RAW, 'a')).toBeNull();
    expect(m.pair(RAW, 'b')).toBe(`kernel leaf ${RAW} is bound to model block a, but the model's cursor is in block b (a different live leaf)`);
    expect(m.collisions).toBe(0);
  });

  it('a hashed pointer bound to a live block is shared with a new block: a collision', () => {
    const m = new PointerMap();
    expect(m.pair(H, 'a')).toBeNull();
    expect(m.pair(H, 'b')).toBeNull();
    expect(m.collisions).toBe(1);
    expect(m.lastCollision).toMatch(/^hashed kernel leaf 00000000deadbeef is bound to model block a, and the model's cursor is in block b, a leaf not yet seen/);
    // both pair with it from now on, and neither with another pointer
    expect(m.pair(H, 'a')).toBeNull();
    expect(m.pair(H, 'b')).toBeNull();
    expect(m.pair(H2, 'b')).toMatch(/^model leaf block b is kernel leaf 00000000deadbeef, but the kernel printed 0000000012345678/);
    expect(m.collisions).toBe(1);
  });

  it('a block already paired with another pointer is a divergence, hashed or not', () => {
    const m = new PointerMap();
    expect(m.pair(H, 'a')).toBeNull();
    expect(m.pair(H2, 'b')).toBeNull();
    expect(m.pair(H, 'b')).toMatch(/^model leaf block b is kernel leaf 0000000012345678, but the kernel printed 00000000deadbeef/);
    expect(m.collisions).toBe(0);
  });

  it('releasing the first holder hands the pointer to the other; releasing both frees it', () => {
    const m = shared();
    m.release('a');
    expect(m.modelOf(H)).toBe('b');
    expect(m.kernelOf('a')).toBeUndefined();
    // a third block meets b's pointer: another collision
    expect(m.pair(H, 'c')).toBeNull();
    expect(m.collisions).toBe(2);
    m.release('c');
    expect(m.modelOf(H)).toBe('b');
    m.release('b');
    expect(m.modelOf(H)).toBeUndefined();
    // free again: the next block binds it without a collision
    expect(m.pair(H, 'd')).toBeNull();
    expect(m.collisions).toBe(2);
    expect(m.modelOf(H)).toBe('d');
  });

  it('releasing the second holder leaves the first bound', () => {
    const m = shared();
    m.release('b');
    expect(m.modelOf(H)).toBe('a');
    expect(m.kernelOf('b')).toBeUndefined();
    expect(m.pair(H, 'a')).toBeNull();
  });
});
