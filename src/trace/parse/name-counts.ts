// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events counted per name: a trace has a few names, and most lines carry
 * the schema's own name string, so a short list searched by identity
 * first costs less per event than a Map or object update.
 */
import { detach } from './detach.js';

export class NameCounts {
  readonly names: string[] = [];
  readonly counts: number[] = [];
  /** index in names by schema id, once seen */
  private readonly byId: number[] = [];

  /** One more event named name; its index in names. */
  add(name: string): number {
    const names = this.names;
    for (let i = 0; i < names.length; i++)
      if (names[i] === name) {
        this.counts[i]++;
        return i;
      }
    names.push(detach(name));
    this.counts.push(1);
    return names.length - 1;
  }

  /** add() of an event of this schema (its id, its name): no search once the schema is known. */
  addSchema(schema: { readonly id: number; readonly name: string }): number {
    const i = this.byId[schema.id];
    if (i === undefined) return (this.byId[schema.id] = this.add(schema.name));
    this.counts[i]++;
    return i;
  }

  /** Adds the counts to map and starts again from zero (names and indexes stay). */
  flushInto(map: Map<string, number>): void {
    for (let i = 0; i < this.names.length; i++) if (this.counts[i]) map.set(this.names[i], (map.get(this.names[i]) ?? 0) + this.counts[i]);
    this.counts.fill(0);
  }

  /** The counts by name. */
  record(): Record<string, number> {
    const out: Record<string, number> = {};
    this.names.forEach((name, i) => (out[name] = this.counts[i]));
    return out;
  }
}
