// SPDX-License-Identifier: GPL-2.0-only
/*
 * One line of ftrace text: trace / trace_pipe (kernel/trace/trace_output.c,
 * with or without the irq-info column and the tgid column) and
 * `trace-cmd report`. Never throws: a line is an event, a lost-events
 * marker, something to skip (headers, comments, unknown tracepoints), or a
 * reason why it could not be read.
 */
import { decodeBody } from '../schema/compile.js';
import type { FuseTraceFormat } from '../revision.js';
import { schemaFor } from '../schema/registry.js';
import type { Dialect, Fields } from '../schema/types.js';

export interface TraceEvent {
  name: string;
  dialect: Dialect;
  comm: string;
  pid: number;
  cpu: number;
  /** seconds.micro(nano)seconds as printed */
  timestamp: string;
  fields: Fields;
  /** 1-based line in the source */
  line: number;
  /** the line as read (for divergence context) */
  raw: string;
}

export type LineResult =
  | { kind: 'event'; event: TraceEvent }
  | { kind: 'lost'; cpu: number; count: number | null }
  | { kind: 'skip'; unknownEvent?: string }
  | { kind: 'error'; why: string };

// comm-pid [ (tgid) ] [cpu] [flags] timestamp: event: body
const PREFIX = /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:([.a-zA-Z0-9]{4,5})\s+)?(\d+\.\d+):\s+(\w+):\s?(.*)$/;
// trace_pipe/trace: "CPU:%d [LOST %lu EVENTS]"; trace-cmd report: "CPU:%d [%llu EVENTS DROPPED]" or "[LOST EVENTS]"
const LOST = /^\s*CPU:\s*(\d+) \[(?:LOST (\d+) EVENTS|(\d+) EVENTS DROPPED|LOST EVENTS)\]\s*$/;
// trace-cmd report headers
const HEADER = /^(?:cpus=\d+|version = .*|CPU \d+ is empty|\s*$)/;

/** format: whose fuse texts the line has (the kernel revision's; xfs lines are the same for both) */
export function parseLine(text: string, line: number, format: FuseTraceFormat = 'rfc-v3'): LineResult {
  if (text.length === 0 || text[0] === '#') return { kind: 'skip' };
  const lost = LOST.exec(text);
  if (lost) {
    const n = lost[2] ?? lost[3];
    return { kind: 'lost', cpu: Number(lost[1]), count: n === undefined ? null : Number(n) };
  }
  const m = PREFIX.exec(text);
  if (!m) {
    if (HEADER.test(text)) return { kind: 'skip' };
    return { kind: 'error', why: 'not an ftrace event line (expected COMM-PID [CPU] TIMESTAMP: EVENT: FIELDS)' };
  }
  const name = m[6];
  const schema = schemaFor(name, format);
  if (!schema) return { kind: 'skip', unknownEvent: name };
  // trace-cmd report pads the event name with spaces
  const body = m[7].trim();
  const fields = decodeBody(schema, body);
  if (typeof fields === 'string') return { kind: 'error', why: `${name}: ${fields}` };
  // trace-cmd report of an instance buffer prefixes each line with "NAME: "
  const comm = m[1].replace(/^\S+:\s+/, '');
  return {
    kind: 'event',
    event: { name, dialect: schema.dialect, comm, pid: Number(m[2]), cpu: Number(m[3]), timestamp: m[5], fields, line, raw: text },
  };
}
