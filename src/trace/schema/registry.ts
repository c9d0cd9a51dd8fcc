// SPDX-License-Identifier: GPL-2.0-only
/* Every known tracepoint schema, by event name, for both dialects and both fuse revisions. */
import type { FuseTraceFormat } from '../revision.js';
import { compileSchema } from './compile.js';
import { FUSE_RAW_SCHEMAS } from './fuse-events.js';
import { FUSE_V7_RAW_SCHEMAS } from './fuse-v7-events.js';
import { TABLES, V7_TABLES } from './tables.js';
import type { Dialect, EventSchema, RawSchema } from './types.js';
import { XFS_RAW_SCHEMAS } from './xfs-events.js';
import type { SymbolTable } from '../print-flags.js';

/**
 * Text forms seen in the wild besides the seed's: the fuse-cache fixtures
 * label fuse_iomap_cache_invalidate_range's values "offset"/"length" where the
 * seed's fuse_iomap_file_range_class prints "pos"/"bytecount".
 */
const FUSE_VARIANTS: Record<string, string[]> = {
  fuse_iomap_cache_invalidate_range: ['connection %u ino %llu nodeid %llu isize 0x%llx offset 0x%llx length 0x%llx'],
};

function build(raws: readonly RawSchema[], dialect: Dialect, variants: Record<string, string[]> = {}, tables?: Readonly<Record<string, SymbolTable>>): Map<string, EventSchema> {
  const map = new Map<string, EventSchema>();
  for (const raw of raws) map.set(raw.name, compileSchema({ ...raw, variants: variants[raw.name] }, dialect, tables ?? TABLES));
  return map;
}

/** rfc-v3 (seed 001) fuse texts */
export const FUSE_SCHEMAS = build(FUSE_RAW_SCHEMAS, 'fuse', FUSE_VARIANTS);
/** v7 fuse texts */
export const FUSE_V7_SCHEMAS = build(FUSE_V7_RAW_SCHEMAS, 'fuse', {}, V7_TABLES);
export const XFS_SCHEMAS = build(XFS_RAW_SCHEMAS, 'xfs');

export function fuseSchemas(format: FuseTraceFormat = 'rfc-v3'): ReadonlyMap<string, EventSchema> {
  return format === 'v7' ? FUSE_V7_SCHEMAS : FUSE_SCHEMAS;
}

/** Both dialects in one map per fuse revision (fuse first, as schemaFor looks), for one lookup per line. */
const ALL: Record<FuseTraceFormat, ReadonlyMap<string, EventSchema>> = {
  'rfc-v3': new Map([...XFS_SCHEMAS, ...FUSE_SCHEMAS]),
  v7: new Map([...XFS_SCHEMAS, ...FUSE_V7_SCHEMAS]),
};

/** Every schema a line may have in the fuse texts of `format` (default rfc-v3), and xfs's, by name. */
export function schemasOf(format: FuseTraceFormat = 'rfc-v3'): ReadonlyMap<string, EventSchema> {
  return format === 'v7' ? ALL.v7 : ALL['rfc-v3'];
}

/** The schema of an event in the fuse texts of `format` (default rfc-v3) or xfs. */
export function schemaFor(name: string, format: FuseTraceFormat = 'rfc-v3'): EventSchema | undefined {
  return schemasOf(format).get(name);
}

export function dialectOf(name: string, format: FuseTraceFormat = 'rfc-v3'): Dialect | undefined {
  return schemaFor(name, format)?.dialect;
}
