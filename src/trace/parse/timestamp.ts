// SPDX-License-Identifier: GPL-2.0-only
/*
 * An ftrace timestamp (seconds.micros, or more digits) in µs, for the xfs
 * replay's race window: the usual 6 fraction digits read without strings.
 */

/** ts in µs; digits beyond the sixth are a fraction of a µs. */
export function micros(ts: string): number {
  return microsOf(ts, 0, ts.length);
}

/** micros() of text.slice(from, to), the usual form read in place. */
export function microsOf(text: string, from: number, to: number): number {
  let dot = text.indexOf('.', from);
  if (dot >= to) dot = -1;
  const d = dot < 0 ? -1 : dot - from;
  if (to - from - d === 7 && d <= 15) {
    let s = 0;
    for (let i = from; i < from + d; i++) s = s * 10 + (text.charCodeAt(i) - 48);
    let us = 0;
    for (let i = from + d + 1; i < to; i++) us = us * 10 + (text.charCodeAt(i) - 48);
    return s * 1e6 + us;
  }
  const ts = text.slice(from, to);
  return Number(ts.slice(0, d)) * 1e6 + Number((ts.slice(d + 1) + '000000').slice(0, 6)) + Number('0.' + (ts.slice(d + 7) || '0'));
}
