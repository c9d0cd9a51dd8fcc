// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's __print_flags / __print_symbolic renderings
 * (kernel/trace/trace_output.c: trace_print_flags_seq, trace_print_symbols_seq).
 */

export type SymbolTable = ReadonlyArray<readonly [number, string]>;

/** __print_flags(v, "|", table): matching names in table order, leftover bits as 0x%lx. */
export function printFlags(value: number, table: SymbolTable, delim = '|'): string {
  let v = value >>> 0;
  const parts: string[] = [];
  for (const [mask, name] of table) {
    if (v === 0) break;
    if (mask !== 0 && (v & mask) === mask) {
      parts.push(name);
      v = (v & ~mask) >>> 0;
    }
  }
  if (v !== 0) parts.push('0x' + v.toString(16));
  return parts.join(delim);
}

/** __print_symbolic(v, table): the name whose value equals v, else 0x%lx. */
export function printSymbolic(value: number, table: SymbolTable): string {
  for (const [v, name] of table) if (v === value) return name;
  return '0x' + (value >>> 0).toString(16);
}
