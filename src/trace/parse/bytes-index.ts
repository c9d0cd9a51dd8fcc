// SPDX-License-Identifier: GPL-2.0-only
/*
 * Values by text, looked up with the text still as bytes of a line: the
 * scanners find an event's schema by its name and a flag or symbol
 * rendering's value by its text without making a string per line. The
 * caller hashes the bytes as it scans them (hashStep); the index checks
 * the candidates byte by byte, so a collision never gives a wrong value.
 */

/** One byte into the running hash of a text (start from 0). */
export const hashStep = (h: number, byte: number): number => (Math.imul(h, 31) + byte) | 0;

export function hashText(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = hashStep(h, text.charCodeAt(i));
  return h;
}

interface Entry<V> {
  hash: number;
  /** the text's bytes (one per character: the texts are ASCII) */
  bytes: Uint8Array;
  value: V;
}

/** Slots of the direct-mapped front of an index (a power of two). */
const FRONT = 1024;

export class BytesIndex<V> {
  private readonly byHash = new Map<number, Array<Entry<V>>>();
  /** the entry last found for each hash & (FRONT - 1): most lookups end here, without the Map */
  private readonly front: Array<Entry<V> | undefined> = new Array<Entry<V> | undefined>(FRONT).fill(undefined);
  private size = 0;

  /** Adds text's value (a text that is not ASCII is not kept: lookups are of clean bytes). */
  add(text: string, value: V): void {
    const h = hashText(text);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 127) return;
      bytes[i] = c;
    }
    const entry: Entry<V> = { hash: h, bytes, value };
    const list = this.byHash.get(h);
    if (list) list.push(entry);
    else this.byHash.set(h, [entry]);
    this.size++;
  }

  get entries(): number {
    return this.size;
  }

  /** The value of the text b[from, to), whose hash is hash; undefined when it has none. */
  get(b: Uint8Array, from: number, to: number, hash: number): V | undefined {
    const slot = hash & (FRONT - 1);
    const e = this.front[slot];
    if (e !== undefined && e.hash === hash && same(e.bytes, b, from, to)) return e.value;
    const list = this.byHash.get(hash);
    if (list === undefined) return undefined;
    for (let k = 0; k < list.length; k++)
      if (same(list[k].bytes, b, from, to)) {
        this.front[slot] = list[k];
        return list[k].value;
      }
    return undefined;
  }
}

/** Whether b[from, to) is bytes. */
function same(bytes: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  const n = bytes.length;
  if (n !== to - from) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== b[from + i]) return false;
  return true;
}
