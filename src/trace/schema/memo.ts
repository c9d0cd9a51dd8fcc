// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bounded memo of a pure function (whose values are never undefined):
 * the scanners and the replay's field comparison decode the same few flag
 * and symbol renderings over and over.
 */
export class Memo<K, V extends bigint | string | number | null> {
  private readonly map = new Map<K, V>();
  constructor(
    private readonly compute: (key: K) => V,
    /** what to keep of a key (the scanners' keys are views into a chunk: detach them) */
    private readonly keep: (key: K) => K = (k) => k,
    /** entries kept at most (the rest is computed each time) */
    private readonly limit = 4096,
  ) {}

  get(key: K): V {
    let v = this.map.get(key);
    if (v !== undefined) return v;
    v = this.compute(key);
    if (this.map.size < this.limit) this.map.set(this.keep(key), v);
    return v;
  }
}
