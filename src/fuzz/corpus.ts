// SPDX-License-Identifier: GPL-2.0-only
/*
 * The corpus: one file per shrunk reproducer, a scenario file (cache and
 * tree targets) or trace text (parser), headed by '#' comment lines that
 * say which target found it, which property broke (and which known seed
 * bug explains it, for a finding), with what seed, and when. The header
 * is plain comments, so `iomap-sim run FILE` runs a scenario reproducer as
 * it is; test/fuzz-corpus.test.ts replays every file on each run:
 *   - a finding must still be found (the model still reproduces the seed);
 *   - a failure must not come back (once fixed it stays fixed).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { revisionByName, DEFAULT_REVISION } from '../cache/revision.js';
import type { Report } from './campaign.js';
import { type Outcome, type TargetName, TARGET_NAMES, outcomeHas } from './target.js';
import { makeTarget } from './targets/index.js';

export interface CorpusHeader {
  target: TargetName;
  kind: 'failure' | 'finding';
  property: string;
  hazard?: string;
}

const MAGIC = '# iomap-sim fuzz corpus';

/** A report as a corpus file: comments, then the reproducer. */
export function corpusText(r: Report, revisionName: string): Buffer {
  // the violation itself, without the operation log the harness appends
  const lines: string[] = [];
  for (const l of r.message.split('\n')) {
    if (/^operations so far:|last operations:$/.test(l.trim())) break;
    if (l.trim()) lines.push(l.trim());
  }
  const firstLine = lines.slice(0, 4).join(' / ');
  const head = [
    `${MAGIC}: a shrunk reproducer written by \`iomap-sim fuzz\`; test/fuzz-corpus.test.ts replays it`,
    `# target: ${r.target}`,
    `# kind: ${r.kind}`,
    `# property: ${r.property}`,
    ...(r.hazard ? [`# hazard: ${r.hazard}`] : []),
    `# seed: ${r.seed} (round ${r.round}, fast-check seed ${r.roundSeed} path ${r.path || '-'}), revision ${revisionName}`,
    `# found after ${r.execsBefore} executions (${(r.foundAfterMs / 1000).toFixed(2)} s); shrunk from ${r.commandsBefore} to ${r.commands} operations`,
    `# message: ${firstLine.replace(/[\r\n]/g, ' ')}`,
  ];
  return Buffer.concat([Buffer.from(head.join('\n') + '\n'), typeof r.body === 'string' ? Buffer.from(r.body) : r.body]);
}

/** File name: target, property, hazard, and a hash of the reproducer. */
export function corpusName(r: Report): string {
  const h = createHash('sha256').update(typeof r.body === 'string' ? r.body : r.body).digest('hex').slice(0, 10);
  return `${r.target}-${r.property}${r.hazard ? `-${r.hazard}` : ''}-${h}${r.ext}`;
}

export function parseHeader(bytes: Buffer, file: string): CorpusHeader {
  const end = bytes.indexOf('\n# ---- input ----');
  const text = bytes.subarray(0, end < 0 ? Math.min(bytes.length, 4096) : end).toString('utf8');
  if (!text.startsWith(MAGIC)) throw new Error(`${file}:1: not an iomap-sim fuzz corpus file (expected '${MAGIC}...')`);
  const field = (name: string): string | undefined => new RegExp(`^# ${name}: (.*)$`, 'm').exec(text)?.[1].trim();
  const target = field('target');
  if (!target || !(TARGET_NAMES as readonly string[]).includes(target)) throw new Error(`${file}: '# target:' is missing or not one of ${TARGET_NAMES.join(', ')}`);
  const kind = field('kind');
  if (kind !== 'failure' && kind !== 'finding') throw new Error(`${file}: '# kind:' must be failure or finding`);
  const property = field('property');
  if (!property) throw new Error(`${file}: '# property:' is missing`);
  const hazard = field('hazard');
  if (kind === 'finding' && !hazard) throw new Error(`${file}: a finding needs '# hazard:'`);
  return { target: target as TargetName, kind, property, hazard };
}

export interface ReplayResult {
  file: string;
  header: CorpusHeader;
  outcome: Outcome;
  /** what the file expects holds */
  ok: boolean;
  why: string;
}

/** Replay one corpus file through its target. */
export async function replayFile(path: string): Promise<ReplayResult> {
  const bytes = readFileSync(path);
  const header = parseHeader(bytes, path);
  const revName = /^# seed: .*revision (\S+)/m.exec(bytes.subarray(0, 4096).toString('utf8'))?.[1];
  const target = makeTarget(header.target, { revision: (revName && revisionByName(revName)) || DEFAULT_REVISION });
  const c = target.parse(bytes, path);
  const outcome = await target.runCase(c);
  const key = header.kind === 'finding' ? `${header.property}/${header.hazard}` : header.property;
  if (header.kind === 'finding') {
    if (outcome.failure) return { file: path, header, outcome, ok: false, why: `a failure now: ${outcome.failure.property}: ${outcome.failure.message}` };
    if (!outcomeHas(outcome, key)) return { file: path, header, outcome, ok: false, why: `the finding ${key} no longer reproduces (if the model or the seed bug changed on purpose, delete the file)` };
    return { file: path, header, outcome, ok: true, why: `still finds ${key}` };
  }
  if (outcome.failure) return { file: path, header, outcome, ok: false, why: `fails again: ${outcome.failure.property}: ${outcome.failure.message}` };
  return { file: path, header, outcome, ok: true, why: 'passes' };
}

export function corpusFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.scenario') || f.endsWith('.trace') || f.endsWith('.protocol') || f.endsWith('.race') || f.endsWith('.racesim'))
    .sort()
    .map((f) => join(dir, f));
}

/** Keys (property or property/hazard) the corpus already holds for a target. */
export function corpusKeys(dir: string, target: TargetName): Set<string> {
  const keys = new Set<string>();
  for (const f of corpusFiles(dir)) {
    try {
      const h = parseHeader(readFileSync(f), f);
      if (h.target === target) keys.add(h.kind === 'finding' ? `${h.property}/${h.hazard}` : h.property);
    } catch {
      // not a corpus file: the replay test reports it
    }
  }
  return keys;
}

/** Write a report into the corpus; returns the path (an identical reproducer is not written twice). */
export function writeReport(dir: string, r: Report, revisionName: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, corpusName(r));
  if (!existsSync(path)) writeFileSync(path, corpusText(r, revisionName));
  return path;
}
