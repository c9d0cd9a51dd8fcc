// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bounded memo of a pure function (whose values are never undefined):
 * the replay's field comparison reads the same few flag and symbol values
 * back through their renderings over and over.
 */
export class Memo<K, V extends bigint | string | number | null> {
  private readonly map = new Map<K, V>();
  constructor(
    private readonly compute: (key: K) => V,
    /** entries kept at most (the rest is computed each time) */
    private readonly limit = 4096,
  ) {}

  get(key: K): V {
    let v = this.map.get(key);
    if (v !== undefined) return v;
    v = this.compute(key);
    if (this.map.size < this.limit) this.map.set(key, v);
    return v;
  }
}
