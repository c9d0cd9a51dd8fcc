// SPDX-License-Identifier: GPL-2.0-only
/*
 * One-to-one map between the kernel's printed leaf pointers and the model's
 * leaf memory blocks, each pair for the block's lifetime. A kernel pointer
 * may come back after the model freed (or krealloc moved) the block it was
 * bound to; while bound, neither side may pair with anything else.
 *
 * A block is whatever the replay names its blocks by (B): the xfs replay
 * its blocks' names, the fuse replay its Block objects, which are found by
 * identity (no string hashed per pairing); nameOf gives the name the
 * messages print.
 *
 * A hashed pointer (trace_pipe's %p: ptr_to_id keeps 32 bits of a siphash
 * on 64-bit kernels, printed 00000000xxxxxxxx) can be two live leaves'
 * at once. Where a new model block meets a hashed pointer bound to another
 * live block, the two share it: the event is not a divergence but a
 * collision (counted; the report lists the first), and from then on the
 * pointer pairs with either block. Raw pointers (the native reader's)
 * never start with eight zeros, so they never share.
 */
import { detach } from '../parse/detach.js';

export const NULL_POINTER = '0000000000000000';

/** a %p the kernel hashed: 16 digits, the high 32 bits zero (not NULL) */
export const isHashedPointer = (p: string): boolean => p.length === 16 && p.startsWith('00000000') && p !== NULL_POINTER;

export class PointerMap<B = string> {
  private readonly toModel = new Map<string, B>();
  private readonly toKernel = new Map<B, string>();
  /** the last pair found bound (an update's pre and post events name the same leaf) */
  private lastBlock: B | null = null;
  private lastPointer = '';
  /** blocks sharing a hashed pointer besides the one toModel holds */
  private readonly sharers = new Map<string, B[]>();
  /** hashed pointers found shared by two live blocks, and why the last one was */
  collisions = 0;
  lastCollision = '';

  constructor(private readonly nameOf: (block: B) => string = String) {}

  /** The kernel pointer currently bound to a model block, if any. */
  kernelOf(block: B): string | undefined {
    return this.toKernel.get(block);
  }

  modelOf(pointer: string): B | undefined {
    return this.toModel.get(pointer);
  }

  /**
   * Check (and on first sight bind) kernel pointer <-> model block. block is
   * null for a NULL cursor leaf. Returns why they do not pair, or null.
   * kept: the pointer text is no view into a parser's chunk already (the
   * column batches' pointer texts: parse/batch.ts), so it is bound as it is
   * instead of copied.
   */
  pair(pointer: string, block: B | null, kept = false): string | null {
    if (block === null) return pointer === NULL_POINTER ? null : `kernel leaf ${pointer} where the model's cursor leaf is NULL`;
    if (block === this.lastBlock && pointer === this.lastPointer) return null;
    const k = this.toKernel.get(block);
    if (k === pointer && pointer !== NULL_POINTER) {
      this.lastBlock = block;
      this.lastPointer = k;
      return null;
    }
    if (pointer === NULL_POINTER) return `kernel leaf is NULL where the model has leaf block ${this.nameOf(block)}`;
    const m = this.toModel.get(pointer);
    if (k !== undefined) return `model leaf block ${this.nameOf(block)} is kernel leaf ${k}, but the kernel printed ${pointer} (a new pointer where the model did not reallocate)`;
    if (m !== undefined && !isHashedPointer(pointer)) return `kernel leaf ${pointer} is bound to model block ${this.nameOf(m)}, but the model's cursor is in block ${this.nameOf(block)} (a different live leaf)`;
    // kept for the leaf's lifetime: not a view into the parser's chunk
    const text = kept ? pointer : detach(pointer);
    if (m !== undefined) {
      const list = this.sharers.get(text);
      if (list) list.push(block);
      else this.sharers.set(text, [block]);
      this.toKernel.set(block, text);
      this.collisions++;
      this.lastCollision = `hashed kernel leaf ${pointer} is bound to model block ${this.nameOf(m)}, and the model's cursor is in block ${this.nameOf(block)}, a leaf not yet seen: two live leaves whose pointers hash alike (32 bits), so either may be the kernel's`;
      return null;
    }
    this.toModel.set(text, block);
    this.toKernel.set(block, text);
    return null;
  }

  /** The model freed a block (kfree, or krealloc moved it): its pointer may come back. */
  release(block: B): void {
    const k = this.toKernel.get(block);
    if (k === undefined) return;
    if (block === this.lastBlock) this.lastBlock = null;
    this.toKernel.delete(block);
    const list = this.sharers.get(k);
    if (this.toModel.get(k) === block) {
      if (list) this.toModel.set(k, list.pop()!);
      else this.toModel.delete(k);
    } else if (list) list.splice(list.indexOf(block), 1);
    if (list && list.length === 0) this.sharers.delete(k);
  }
}
