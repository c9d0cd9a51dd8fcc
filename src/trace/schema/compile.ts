// SPDX-License-Identifier: GPL-2.0-only
/*
 * Turns a TP_printk format and its argument list into a body matcher: one
 * regex per text form, a capture per conversion, and a decoder per capture
 * that undoes vsprintf / __print_flags / __print_symbolic.
 */
import type { SymbolTable } from '../print-flags.js';
import { type BodyScanner, type ColumnScanner, type ScanOp, compileColumnScanner, compileScanner } from './scanner.js';
import { TABLES } from './tables.js';
import type { Decode, Dialect, EventSchema, FieldSpec, Fields, RawSchema } from './types.js';

const CONVERSION = /%(%|pS|p|(?:ll|l|z|h|hh)?[udx]|s)/g;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decodeFor(conv: string, arg: RawSchema['args'][number], event: string, tables: Readonly<Record<string, SymbolTable>>): Decode {
  if (arg.length === 2) return { kind: arg[1] };
  if (arg.length === 3) {
    const table = tables[arg[2]];
    if (!table) throw new Error(`${event}: unknown table ${arg[2]}`);
    return { kind: arg[1], table, tableName: arg[2] };
  }
  if (conv === 'pS') return { kind: 'sym' };
  if (conv === 'p') return { kind: 'ptr' };
  if (conv.endsWith('x')) return { kind: 'hex' };
  if (conv.endsWith('u') || conv.endsWith('d')) return { kind: 'dec' };
  throw new Error(`${event}: %${conv} needs a flags/symbolic table`);
}

const PIECE: Record<Decode['kind'], string> = {
  dec: '(-?\\d+)',
  hex: '([0-9a-f]+)',
  ptr: '((?:0x)?[0-9a-f]+|\\(null\\)|\\(nil\\))',
  sym: '(.*)',
  flags: '([^\\s)]*)',
  symbolic: '([^\\s)]*)',
  major: '(\\d+)',
  minor: '(\\d+)',
};

/** The body regex of a format, its fields in capture order, and the same pieces as scanner steps. */
function compileFormat(format: string, args: RawSchema['args'], event: string, tables: Readonly<Record<string, SymbolTable>>): { re: RegExp; fields: FieldSpec[]; ops: ScanOp[] } {
  let src = '^';
  let last = 0;
  let i = 0;
  const fields: FieldSpec[] = [];
  const ops: ScanOp[] = [];
  let lit = '';
  const text = (t: string) => {
    src += escape(t);
    lit += t;
  };
  for (const m of format.matchAll(CONVERSION)) {
    text(format.slice(last, m.index));
    last = m.index! + m[0].length;
    if (m[1] === '%') {
      text('%');
      continue;
    }
    const arg = args[i++];
    if (!arg) throw new Error(`${event}: more conversions than arguments`);
    const decode = decodeFor(m[1], arg, event, tables);
    src += PIECE[decode.kind];
    const spec = { field: arg[0], conversion: '%' + m[1], decode };
    fields.push(spec);
    if (lit) ops.push({ lit });
    lit = '';
    ops.push({ spec });
  }
  if (i !== args.length) throw new Error(`${event}: ${args.length} arguments for ${i} conversions`);
  text(format.slice(last));
  if (lit) ops.push({ lit });
  src += '$';
  return { re: new RegExp(src), fields, ops };
}

/** ids of the schemas compiled so far */
let schemaIds = 0;

/**
 * A compiled schema. One class, so that every schema has the same shape:
 * the parser and the replays read a line's schema's name, id, dialect,
 * slots and scanners on every event, and with one shape those reads stay
 * monomorphic (an object literal with getters gave each schema a shape of
 * its own, and every such read a megamorphic lookup).
 */
class CompiledSchema implements EventSchema {
  readonly id: number;
  readonly name: string;
  readonly dialect: Dialect;
  readonly definition: string;
  readonly format: string;
  readonly fields: readonly FieldSpec[];
  readonly matchers: readonly RegExp[];
  readonly matcherFields: ReadonlyArray<readonly FieldSpec[]>;
  /** a slot per field, in the order decodeBody first sets them (a dev_t's MAJOR and MINOR share one) */
  readonly slots = new Map<string, number>();
  // compiled on first use: a command that never reads a trace (iomap-sim run) skips it
  private compiledScanner: BodyScanner | null | undefined = undefined;
  private compiledColumns: ColumnScanner | null | undefined = undefined;

  constructor(
    raw: RawSchema,
    dialect: Dialect,
    private readonly ops: readonly ScanOp[],
    main: RegExp,
    mainFields: readonly FieldSpec[],
    variants: ReadonlyArray<{ re: RegExp; fields: readonly FieldSpec[] }>,
  ) {
    this.id = schemaIds++;
    this.name = raw.name;
    this.dialect = dialect;
    this.definition = raw.definition;
    this.format = raw.format;
    this.fields = mainFields;
    this.matchers = [main, ...variants.map((v) => v.re)];
    this.matcherFields = [mainFields, ...variants.map((v) => v.fields)];
    for (const f of mainFields) if (!this.slots.has(f.field)) this.slots.set(f.field, this.slots.size);
  }

  /** the format's own text only: a variant is tried after it by the exact path */
  get scanner(): BodyScanner | null {
    if (this.compiledScanner === undefined) this.compiledScanner = compileScanner(this.ops, { flags: unprintFlags, symbolic: unprintSymbolic });
    return this.compiledScanner;
  }

  get columns(): ColumnScanner | null {
    if (this.compiledColumns === undefined) this.compiledColumns = compileColumnScanner(this.ops, { flags: unprintFlags, symbolic: unprintSymbolic }, this.slots);
    return this.compiledColumns;
  }
}

/** tables: the __print_flags / __print_symbolic tables of the kernel revision the format belongs to */
export function compileSchema(raw: RawSchema, dialect: Dialect, tables: Readonly<Record<string, SymbolTable>> = TABLES): EventSchema {
  const main = compileFormat(raw.format, raw.args, raw.name, tables);
  const variants = (raw.variants ?? []).map((v) => compileFormat(v, raw.args, raw.name, tables));
  return new CompiledSchema(raw, dialect, main.ops, main.re, main.fields, variants);
}

/** The inverse of __print_flags: names back to their masks; null if a name is not in the table. */
export function unprintFlags(text: string, table: SymbolTable): bigint | null {
  if (text === '') return 0n;
  let v = 0n;
  for (const part of text.split('|')) {
    if (part.startsWith('0x')) {
      if (!/^0x[0-9a-f]+$/.test(part)) return null;
      v |= BigInt(part);
      continue;
    }
    const hit = table.find(([, name]) => name === part);
    if (!hit) return null;
    v |= BigInt(hit[0] >>> 0);
  }
  return v;
}

/** The inverse of __print_symbolic. */
export function unprintSymbolic(text: string, table: SymbolTable): bigint | null {
  if (/^0x[0-9a-f]+$/.test(text)) return BigInt(text);
  const hit = table.find(([, name]) => name === text);
  return hit ? BigInt(hit[0]) : null;
}

/**
 * Match a body against the schema. Returns the fields, or a reason why the
 * body does not fit (never throws).
 */
export function decodeBody(schema: EventSchema, body: string): Fields | string {
  for (let k = 0; k < schema.matchers.length; k++) {
    const m = schema.matchers[k].exec(body);
    if (!m) continue;
    const specs = schema.matcherFields[k];
    const out: Fields = {};
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const text = m[i + 1];
      const d = spec.decode;
      switch (d.kind) {
        case 'dec':
          // through a double when exact (faster than parsing a BigInt)
          out[spec.field] = text.length <= 15 ? BigInt(Number(text)) : BigInt(text);
          break;
        case 'hex':
          out[spec.field] = text.length <= 13 ? BigInt(parseInt(text, 16)) : BigInt('0x' + text);
          break;
        case 'ptr':
          out[spec.field] = text === '(null)' || text === '(nil)' ? '0000000000000000' : text.startsWith('0x') ? text.slice(2).padStart(16, '0') : text;
          break;
        case 'sym':
          out[spec.field] = text;
          break;
        case 'flags':
        case 'symbolic': {
          const v = d.kind === 'flags' ? unprintFlags(text, d.table) : unprintSymbolic(text, d.table);
          if (v === null) return `${spec.field}: '${text}' is not a ${d.tableName} rendering`;
          out[spec.field] = v;
          break;
        }
        case 'major':
          out[spec.field] = (BigInt(text) << 20n) | ((out[spec.field] as bigint | undefined) ?? 0n);
          break;
        case 'minor':
          out[spec.field] = ((out[spec.field] as bigint | undefined) ?? 0n) | BigInt(text);
          break;
      }
    }
    return out;
  }
  return `body does not match the format '${schema.format}'`;
}
