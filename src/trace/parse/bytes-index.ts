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
  /** the same as little-endian 32-bit words, the full ones (getWords) */
  words: Int32Array;
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
    const words = new Int32Array(bytes.length >> 2);
    for (let i = 0; i < words.length * 4; i++) words[i >> 2] |= bytes[i] << ((i & 3) * 8);
    const entry: Entry<V> = { hash: h, bytes, words, value };
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

  /**
   * get() comparing four bytes at a time: dv is a DataView of b's bytes
   * (dv.getInt32(i, true) reads b[i..i+3]), as the column scanners have.
   */
  getWords(b: Uint8Array, dv: DataView, from: number, to: number, hash: number): V | undefined {
    const slot = hash & (FRONT - 1);
    const e = this.front[slot];
    if (e !== undefined && e.hash === hash && sameWords(e, b, dv, from, to)) return e.value;
    return this.get(b, from, to, hash);
  }
}

/** Whether b[from, to) is e's text, four bytes at a time. */
function sameWords<V>(e: Entry<V>, b: Uint8Array, dv: DataView, from: number, to: number): boolean {
  const bytes = e.bytes;
  const n = bytes.length;
  if (n !== to - from) return false;
  const w = e.words;
  let k = 0;
  for (; k + 4 <= n; k += 4) if (dv.getInt32(from + k, true) !== w[k >> 2]) return false;
  for (; k < n; k++) if (bytes[k] !== b[from + k]) return false;
  return true;
}

/** Whether b[from, to) is bytes. */
function same(bytes: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  const n = bytes.length;
  if (n !== to - from) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== b[from + i]) return false;
  return true;
}
