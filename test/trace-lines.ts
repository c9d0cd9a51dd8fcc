// SPDX-License-Identifier: GPL-2.0-only
/*
 * Random ftrace lines for the scanner properties (trace-scanner.test.ts,
 * trace-columns.test.ts): every schema of both dialects and both fuse
 * revisions, values over the full 64-bit range, the prefix in all its
 * forms, and damaged copies.
 */
import fc from 'fast-check';
import { printFlags, printSymbolic } from '../src/trace/print-flags.js';
import type { FuseTraceFormat } from '../src/trace/revision.js';
import { FUSE_SCHEMAS, FUSE_V7_SCHEMAS, XFS_SCHEMAS } from '../src/trace/schema/registry.js';
import type { EventSchema, FieldSpec } from '../src/trace/schema/types.js';

const CONVERSION = /%(%|pS|p|(?:ll|l|z|h|hh)?[udx]|s)/g;
export const SCHEMAS: Array<{ format: FuseTraceFormat; schema: EventSchema }> = [
  ...[...FUSE_SCHEMAS.values()].map((schema) => ({ format: 'rfc-v3' as const, schema })),
  ...[...FUSE_V7_SCHEMAS.values()].map((schema) => ({ format: 'v7' as const, schema })),
  ...[...XFS_SCHEMAS.values()].map((schema) => ({ format: 'rfc-v3' as const, schema })),
];

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const s64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
/** small values too, where the numbers and the names of the tables are */
const small = fc.bigInt({ min: 0n, max: 0x1_0000n });
/** around the edges of the columns' number form (2^53) and of the hex halves (2^32), and the top */
const edge = (signed: boolean) =>
  fc
    .tuple(fc.constantFrom(1n << 32n, 1n << 52n, 1n << 53n, 1n << 63n, 1n << 64n), fc.integer({ min: -3, max: 3 }), fc.boolean())
    .map(([b, d, neg]) => (signed && neg ? -(b + BigInt(d)) : b + BigInt(d)))
    .filter((v) => (signed ? v >= -(1n << 63n) && v < 1n << 63n : v >= 0n && v < 1n << 64n));

/** Text for one conversion: what the kernel would print for a random value. */
function conversionText(spec: FieldSpec): fc.Arbitrary<string> {
  const d = spec.decode;
  const signed = /d$/.test(spec.conversion);
  switch (d.kind) {
    case 'dec':
      return fc.oneof(signed ? s64 : u64, small, edge(signed)).map((v) => v.toString());
    case 'hex':
      return fc.oneof(u64, small, edge(false)).map((v) => v.toString(16));
    case 'major':
    case 'minor':
      return fc.oneof(fc.nat(4095), u64, edge(false)).map((v) => v.toString());
    case 'ptr':
      return fc.oneof(
        u64.map((v) => v.toString(16).padStart(16, '0')),
        u64.map((v) => '0x' + v.toString(16)),
        fc.constantFrom('(null)', '(nil)', '0000000000000000'),
      );
    case 'sym':
      return fc.oneof(
        fc.constantFrom('fuse_iomap_cache+0x0/0x0', 'xfs_bmap_add_extent_hole_delay.constprop.0+0x94/0x470', '0xffffffffc0a8b1c2'),
        fc.string({ unit: fc.constantFrom(...'abz_.+/0x19 '), minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0),
      );
    case 'flags':
      return fc.nat().map((v) => printFlags(v, d.table));
    case 'symbolic':
      return fc.oneof(fc.constantFrom(...d.table.map(([v]) => v)), fc.nat()).map((v) => printSymbolic(v, d.table));
  }
}

/** A body of the schema's format with random values. */
function bodyOf(schema: EventSchema): fc.Arbitrary<string> {
  const parts = schema.format.split(CONVERSION);
  // split with one capture group: text, conversion, text, ...
  const gens: fc.Arbitrary<string>[] = [];
  let f = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) gens.push(fc.constant(parts[i]));
    else if (parts[i] === '%') gens.push(fc.constant('%'));
    else gens.push(conversionText(schema.fields[f++]));
  }
  return fc.tuple(...gens).map((xs) => xs.join(''));
}

/** The ftrace prefix in its forms: trace / trace_pipe, with or without irq-info and tgid, trace-cmd report. */
const prefix = fc.record({
  lead: fc.constantFrom('', ' ', '          ', '\t'),
  comm: fc.oneof(
    fc.constantFrom('fio', 'fuse2fs', 'kworker/u8:3', '<idle>', 'a b-c', 'my-prog-2', 'inst: fio', 'x:  y', ':a b', 'CPUx'),
    fc.string({ unit: fc.constantFrom(...'ab-: 1(['), maxLength: 12 }),
  ),
  pid: fc.oneof(fc.nat(99999), fc.bigInt({ min: 0n, max: 10n ** 20n })).map(String),
  tgid: fc.option(fc.constantFrom('(  123)', '(-------)', '(1)', '( -)'), { nil: null }),
  cpu: fc.nat(300).map((c) => String(c).padStart(3, '0')),
  flags: fc.option(fc.constantFrom('.....', 'd..1.', 'dNh.', '....', '1234'), { nil: null }),
  // the usual seconds.micros, and other widths (nanoseconds, few or very many digits)
  ts: fc.oneof(
    fc.tuple(fc.nat(99999), fc.nat(999999)).map(([s, u]) => `${s}.${String(u).padStart(6, '0')}`),
    fc.tuple(fc.stringMatching(/^\d{1,20}$/), fc.stringMatching(/^\d{1,12}$/)).map(([s, f]) => `${s}.${f}`),
  ),
  gap: fc.constantFrom(' ', '   ', '\t'),
  after: fc.constantFrom(' ', '  ', '   '),
});

export const eventLine = fc
  .tuple(fc.constantFrom(...SCHEMAS), prefix)
  .chain(([s, p]) =>
    bodyOf(s.schema).map((body) => ({
      format: s.format,
      line: `${p.lead}${p.comm}-${p.pid}${p.gap}${p.tgid ? p.tgid + ' ' : ''}[${p.cpu}]${p.gap}${p.flags ? p.flags + ' ' : ''}${p.ts}:${p.gap}${s.schema.name}:${p.after}${body}`,
    })),
  );

/**
 * Runs of lines of one task (the same prefix but for the timestamp, as a
 * trace mostly is), some with another comm, timestamp or blanks, some
 * damaged anywhere: the parser reuses the previous line's prefix where
 * its bytes are the same (parse/fast-line.ts), which these exercise.
 */
export const sharedPrefixLines = fc
  .tuple(
    prefix,
    fc.array(
      fc.record({
        s: fc.constantFrom(...SCHEMAS.filter((x) => x.format === 'rfc-v3')),
        ts: prefix.map((p) => p.ts),
        other: fc.option(prefix, { freq: 4, nil: null }),
        damage: fc.option(fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.constantFrom(...' -:[]()x0a.1\t')), { freq: 4, nil: null }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
  )
  .chain(([p0, items]) =>
    fc.tuple(...items.map((it) => bodyOf(it.s.schema))).map((bodies) =>
      items.map((it, k) => {
        const p = it.other ?? p0;
        let line = `${p.lead}${p.comm}-${p.pid}${p.gap}${p.tgid ? p.tgid + ' ' : ''}[${p.cpu}]${p.gap}${p.flags ? p.flags + ' ' : ''}${it.ts}:${p.gap}${it.s.schema.name}:${p.after}${bodies[k]}`;
        if (it.damage) {
          const [at, how, ch] = it.damage;
          const i = at % (line.length + 1);
          line = how === 'del' ? line.slice(0, i) + line.slice(i + 1) : how === 'ins' ? line.slice(0, i) + ch + line.slice(i) : line.slice(0, i) + ch + line.slice(i + 1);
        }
        return { line, damaged: it.damage !== null };
      }),
    ),
  );

/** Damage: a character changed, inserted or removed somewhere. */
export const damaged = fc.tuple(eventLine, fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.constantFrom(...' -:[]()x0a|/\t.\r\u00a0é#', 'CPU:')).map(([l, at, how, ch]) => {
  const i = at % (l.line.length + 1);
  const line = how === 'del' ? l.line.slice(0, i) + l.line.slice(i + 1) : how === 'ins' ? l.line.slice(0, i) + ch + l.line.slice(i) : l.line.slice(0, i) + ch + l.line.slice(i + 1);
  return { format: l.format, line };
});


/** Event names of which another is a prefix (the guess of one must not take the other). */
const PREFIXED = ['fuse_iext_add_mapping', 'fuse_iext_del_mapping', 'fuse_iomap_cache_lookup', 'fuse_iomap_cache_add', 'xfs_iext_insert', 'xfs_iext_remove'];

/**
 * Runs of lines of names that share prefixes (fuse_iext_add_mapping and
 * _add_mapping_left, fuse_iomap_cache_lookup and _lookup_result...), in
 * both fuse texts and xfs's, in random order and formats, some with the
 * name cut short, lengthened or in capitals: the parser tries first the
 * name that followed the previous line's last time (parse/fast-line.ts),
 * and these make that guess wrong often.
 */
export const guessedNameLines = fc.array(
  fc
    .tuple(fc.constantFrom(...SCHEMAS.filter((x) => PREFIXED.some((n) => x.schema.name.startsWith(n)))), fc.constantFrom(null, null, null, 'cut', 'longer', 'caps'))
    .chain(([s, damage]) =>
      bodyOf(s.schema).map((body) => {
        const n = s.schema.name;
        const name = damage === 'cut' ? n.slice(0, -1) : damage === 'longer' ? n + '_x' : damage === 'caps' ? n.toUpperCase() : n;
        return { format: s.format, line: `         fuse2fs-4242    [000] .....     100.000001: ${name}: ${body}`, damaged: damage !== null };
      }),
    ),
  { minLength: 1, maxLength: 40 },
);
