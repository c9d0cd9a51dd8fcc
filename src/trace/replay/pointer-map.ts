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
 */
import { detach } from '../parse/detach.js';

export const NULL_POINTER = '0000000000000000';

export class PointerMap<B = string> {
  private readonly toModel = new Map<string, B>();
  private readonly toKernel = new Map<B, string>();
  /** the last pair found bound (an update's pre and post events name the same leaf) */
  private lastBlock: B | null = null;
  private lastPointer = '';

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
    if (m !== undefined) return `kernel leaf ${pointer} is bound to model block ${this.nameOf(m)}, but the model's cursor is in block ${this.nameOf(block)} (a different live leaf)`;
    // kept for the leaf's lifetime: not a view into the parser's chunk
    const text = kept ? pointer : detach(pointer);
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
    this.toModel.delete(k);
  }
}
