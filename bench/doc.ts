// SPDX-License-Identifier: GPL-2.0-only
/*
 * docs/benchmarks.md regenerated from bench/results.json: the figures of
 * each suite sit between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`
 * and are replaced; everything else (the prose explaining the figures) is
 * kept as written. A suite with results but no block yet gets a section of
 * its own before `<!-- bench:new-suites -->` (or at the end).
 */
import type { BenchSuite, RunInfo } from './common.js';

const open = (name: string) => `<!-- bench:${name} -->`;
const close = (name: string) => `<!-- /bench:${name} -->`;
export const NEW_SUITES_MARK = '<!-- bench:new-suites -->';

export function measuredLine(info: RunInfo | undefined): string {
  if (!info) return '_Measured before per-suite run records were kept (see the prose below)._';
  const src = info.source.head ? `commit ${info.source.head}${info.source.dirty?.length ? ` + uncommitted ${info.source.dirty.join(', ')}` : ''}` : 'an unknown commit';
  const parts = [`Measured on ${src}`, `${info.date.slice(0, 16).replace('T', ' ')} UTC`, `Node ${info.node}`, `${info.cores} cores`];
  if (info.loadavgAtStart) parts.push(`load average ${info.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')} at the start`);
  if (info.seconds !== undefined) parts.push(`${Math.round(info.seconds)} s`);
  if (info.note) parts.push(info.note);
  if (info.quick) parts.push('QUICK run (short timings, not for quoting)');
  return `_${parts.join(', ')}._`;
}

/** The list of suites at the top of the document. */
export function indexTable(suites: ReadonlyArray<BenchSuite<unknown>>): string {
  const rows = suites.map((s) => `| \`${s.name}\` | \`bench/${s.name}.bench.ts\` | ${s.title.replace(/\|/g, '\\|')} |`);
  return ['| suite | file | what it measures |', '|---|---|---|', ...rows].join('\n');
}

/** Replace the content of an existing block; the document is returned unchanged when it has none. */
function replaceBlock(doc: string, name: string, content: string): string {
  const a = doc.indexOf(open(name));
  if (a < 0) return doc;
  const b = doc.indexOf(close(name), a);
  if (b < 0) throw new Error(`docs/benchmarks.md: ${open(name)} has no ${close(name)}`);
  return doc.slice(0, a) + `${open(name)}\n${content}\n${close(name)}` + doc.slice(b + close(name).length);
}

function block(suite: BenchSuite<unknown>, result: unknown, info: RunInfo | undefined): string {
  return `${open(suite.name)}\n${measuredLine(info)}\n\n${suite.markdown(result).trimEnd()}\n${close(suite.name)}`;
}

/**
 * The document with the block of every suite that has a result replaced
 * (or added). Suites without a result keep their block untouched.
 */
export function regenerateDoc(doc: string, suites: ReadonlyArray<BenchSuite<unknown>>, results: Record<string, unknown>, runInfo: Record<string, RunInfo>): string {
  let out = replaceBlock(doc, 'index', indexTable(suites));
  for (const s of suites) {
    if (results[s.name] === undefined) continue;
    const text = block(s, results[s.name], runInfo[s.name]);
    if (out.includes(open(s.name))) {
      out = replaceBlock(out, s.name, text.slice(open(s.name).length + 1, -(close(s.name).length + 1)));
      continue;
    }
    const section = `### ${s.name}\n\n${s.title}.\n\n${text}\n\n`;
    const m = out.indexOf(NEW_SUITES_MARK);
    out = m >= 0 ? out.slice(0, m) + section + out.slice(m) : out.trimEnd() + '\n\n' + section;
  }
  return out;
}
