// SPDX-License-Identifier: GPL-2.0-only
/* Every known tracepoint schema, by event name, for both dialects. */
import { compileSchema } from './compile.js';
import { FUSE_RAW_SCHEMAS } from './fuse-events.js';
import type { Dialect, EventSchema, RawSchema } from './types.js';
import { XFS_RAW_SCHEMAS } from './xfs-events.js';

/**
 * Text forms seen in the wild besides the seed's: the fuse-cache fixtures
 * label fuse_iomap_cache_invalidate_range's values "offset"/"length" where the
 * seed's fuse_iomap_file_range_class prints "pos"/"bytecount".
 */
const FUSE_VARIANTS: Record<string, string[]> = {
  fuse_iomap_cache_invalidate_range: ['connection %u ino %llu nodeid %llu isize 0x%llx offset 0x%llx length 0x%llx'],
};

function build(raws: readonly RawSchema[], dialect: Dialect, variants: Record<string, string[]> = {}): Map<string, EventSchema> {
  const map = new Map<string, EventSchema>();
  for (const raw of raws) map.set(raw.name, compileSchema({ ...raw, variants: variants[raw.name] }, dialect));
  return map;
}

export const FUSE_SCHEMAS = build(FUSE_RAW_SCHEMAS, 'fuse', FUSE_VARIANTS);
export const XFS_SCHEMAS = build(XFS_RAW_SCHEMAS, 'xfs');

export function schemaFor(name: string): EventSchema | undefined {
  return FUSE_SCHEMAS.get(name) ?? XFS_SCHEMAS.get(name);
}

export function dialectOf(name: string): Dialect | undefined {
  return schemaFor(name)?.dialect;
}
