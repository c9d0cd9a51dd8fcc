// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a replay found: counts per event type, inodes checked, inodes whose
 * history did not start in the trace ("unknown start", never counted as
 * agreement), lost events, and the first divergence with the trace lines
 * before it.
 */
import { detach } from '../parse/detach.js';
import type { LineText } from '../parse/split.js';

export interface Divergence {
  line: number;
  event: string;
  /** which inode / fork */
  where: string;
  what: string;
  /** the trace lines before it (oldest first), then the line itself */
  context: string[];
}

export interface ReplayReport {
  dialect: 'fuse' | 'xfs';
  events: number;
  perEvent: Record<string, number>;
  /** events that were compared against the model */
  checked: number;
  inodesChecked: number;
  /** inodes whose history began before the trace: their events are not checked */
  unknownStart: string[];
  unknownStartEvents: number;
  divergences: number;
  first: Divergence | null;
  /** every divergence's inode and event, first per inode */
  divergent: Array<{ where: string; line: number; what: string }>;
  lostEvents: number;
  lostMarkers: number;
  problems: number;
  /** sequence values printed by the kernel and predicted by the model */
  seqChecks: number;
  /** of those, values read without the lock that matched within the race window (xfs) */
  racedSeqChecks?: number;
  /**
   * hashed leaf pointers (trace_pipe's 32-bit %p) found shared by two live
   * leaves (pointer-map.ts): the identity of such a leaf is not checked
   * against the other's; the first one's line
   */
  pointerCollisions?: number;
  firstPointerCollision?: { line: number; where: string; what: string };
}

/**
 * Keeps the last n trace lines for context; each is formatted
 * (LINE: text) only when a snapshot is taken, not for every event.
 */
export class ContextRing {
  private readonly text: LineText[] = [];
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  private readonly line: number[] = [];
  private next = 0;
  private size = 0;
  constructor(private readonly n = 8) {}
  /** Line `line` is text.slice(start, end) (a chunk's text and a range: no string per event). */
  push(line: number, text: LineText, start: number, end: number): void {
    if (this.n <= 0) return;
    const k = this.next;
    this.text[k] = text;
    this.start[k] = start;
    this.end[k] = end;
    this.line[k] = line;
    this.next = k + 1 === this.n ? 0 : k + 1;
    if (this.size < this.n) this.size++;
  }
  snapshot(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) {
      const k = (this.next - this.size + i + this.n) % this.n;
      out.push(detach(`${this.line[k]}: ${this.text[k].slice(this.start[k], this.end[k]).trim()}`));
    }
    return out;
  }
}

export function formatReport(r: ReplayReport, file: string): string {
  const lines: string[] = [];
  const per = Object.entries(r.perEvent)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `  ${k} ${v}`);
  lines.push(`events per type (${r.dialect} dialect):`, ...per);
  if (r.unknownStart.length) lines.push(`unknown start (history before the trace, ${r.unknownStartEvents} events not checked): ${r.unknownStart.join(', ')}`);
  if (r.first) {
    const d = r.first;
    lines.push(`first divergence at ${file}:${d.line} (${d.event}, ${d.where}): ${d.what}`, '  context:');
    for (const c of d.context) lines.push(`    ${c}`);
    for (const o of r.divergent.slice(1)) lines.push(`also diverged: ${o.where} at ${file}:${o.line}: ${o.what}`);
  }
  if (r.pointerCollisions) {
    const c = r.firstPointerCollision!;
    lines.push(`hashed leaf pointers shared by two live leaves: ${r.pointerCollisions}, the first at ${file}:${c.line} (${c.where}): ${c.what}`);
  }
  lines.push(
    `${r.events} events seen, ${r.checked} checked, ${r.seqChecks} sequence values predicted${r.racedSeqChecks ? ` (${r.racedSeqChecks} racing a mutation)` : ''}, ${r.inodesChecked} inodes checked, ` +
      `${r.unknownStart.length} unknown start, ${r.divergences} divergences, ${r.lostEvents} lost events (${r.lostMarkers} markers), ${r.problems} unreadable lines` +
      (r.pointerCollisions ? `, ${r.pointerCollisions} hashed-pointer collisions` : ''),
  );
  return lines.join('\n');
}
