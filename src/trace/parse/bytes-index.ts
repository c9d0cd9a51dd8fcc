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

export class BytesIndex<V> {
  private readonly byHash = new Map<number, Array<{ text: string; value: V }>>();
  private size = 0;

  /** Adds text's value (the text must be kept: pass a string that is not a view into a chunk). */
  add(text: string, value: V): void {
    const h = hashText(text);
    const list = this.byHash.get(h);
    if (list) list.push({ text, value });
    else this.byHash.set(h, [{ text, value }]);
    this.size++;
  }

  get entries(): number {
    return this.size;
  }

  /** The value of the text b[from, to), whose hash is hash; undefined when it has none. */
  get(b: Uint8Array, from: number, to: number, hash: number): V | undefined {
    const list = this.byHash.get(hash);
    if (list === undefined) return undefined;
    next: for (let k = 0; k < list.length; k++) {
      const text = list[k].text;
      if (text.length !== to - from) continue;
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== b[from + i]) continue next;
      return list[k].value;
    }
    return undefined;
  }
}
