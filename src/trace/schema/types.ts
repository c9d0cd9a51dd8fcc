// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tracepoint schema: the event's TP_printk format string and what each
 * conversion prints (a plain __entry field, MAJOR/MINOR of a dev_t, or a
 * __print_flags / __print_symbolic rendering with its table).
 */
import type { SymbolTable } from '../print-flags.js';
import type { BodyScanner, ColumnScanner } from './scanner.js';

export type RawArg = readonly [field: string] | readonly [field: string, part: 'major' | 'minor'] | readonly [field: string, render: 'flags' | 'symbolic', table: string];

/** The schema as written down (generated for fuse, from format files for xfs). */
export interface RawSchema {
  name: string;
  /** TRACE_EVENT / DEFINE_EVENT of the definition (fuse) or the tracefs system (xfs) */
  definition: string;
  format: string;
  args: readonly RawArg[];
  /** other texts of the same event seen in the wild (e.g. the fixtures' labels) */
  variants?: readonly string[];
}

export type Dialect = 'fuse' | 'xfs';

/** How one conversion's text becomes a value. */
export type Decode =
  | { kind: 'dec' } // %u %d %llu %lld %zu %zd %ld: decimal, maybe signed
  | { kind: 'hex' } // %x %llx %zx (the 0x is part of the format's text)
  | { kind: 'ptr' } // %p: hashed or raw pointer, kept as text
  | { kind: 'sym' } // %pS: symbol text to end of line
  | { kind: 'flags'; table: SymbolTable; tableName: string }
  | { kind: 'symbolic'; table: SymbolTable; tableName: string }
  | { kind: 'major' }
  | { kind: 'minor' };

export interface FieldSpec {
  /** __entry field name */
  field: string;
  conversion: string;
  decode: Decode;
}

export interface EventSchema {
  /** a number of its own among all compiled schemas (a small index: see NameCounts.addSchema) */
  readonly id: number;
  name: string;
  dialect: Dialect;
  definition: string;
  format: string;
  fields: readonly FieldSpec[];
  /** the compiled body regexes: format first, then variants */
  readonly matchers: readonly RegExp[];
  /** for each matcher, its fields in capture order */
  readonly matcherFields: ReadonlyArray<readonly FieldSpec[]>;
  /** the hand-written scanner of the format's text, where it decides the same as the regex (else null) */
  readonly scanner: BodyScanner | null;
  /** each field's slot in a batch row (parse/batch.ts): the fields in the exact path's key order */
  readonly slots: ReadonlyMap<string, number>;
  /** the same scanner writing into a batch row instead of building Fields (null where scanner is) */
  readonly columns: ColumnScanner | null;
}

/**
 * A decoded field: numbers as bigint (hex and unsigned decimal as printed,
 * signed decimal negative), flags/symbolic as their numeric value, dev_t as
 * MAJOR << 20 | MINOR, pointers and symbols as text.
 */
export type FieldValue = bigint | string;
export type Fields = Record<string, FieldValue>;
