// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parser cuts fields and lines out of one string per 64 KiB chunk; V8
 * keeps such a slice as a view that holds the whole chunk alive. What is
 * kept beyond the event (pointer bindings, memo keys, divergence texts,
 * unknown event names, problems) is copied with detach so that memory stays
 * bounded by what is kept, not by the chunks it came from.
 */
export function detach(s: string): string {
  // short strings are copied by slice already; the others go through a buffer
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
