// SPDX-License-Identifier: GPL-2.0-only
/* sorted-btree's class under both Node ESM and bundler interop (see src/oracle/extent-map.ts). */
import BTreeImport from 'sorted-btree';

type BTreeClass = typeof BTreeImport.default;
export const BTree: BTreeClass = ((BTreeImport as unknown as { default?: BTreeClass }).default ?? BTreeImport) as BTreeClass;
export type NumMap<V> = InstanceType<typeof BTree<number, V>>;
export const numMap = <V>(): NumMap<V> => new BTree<number, V>(undefined, (a, b) => a - b);
