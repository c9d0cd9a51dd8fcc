// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a fuzz run can break. A violation with a hazard attached is a
 * finding: the model reproduced one of the seed's known bugs
 * (src/cache/hazards.ts) and the property broke because of it. Without a
 * hazard it is a failure: the model (or the harness) is wrong.
 */

/** The properties the targets check; the names go into corpus files. */
export const PROPERTIES = [
  'differential', // results, seq, lookups and records agree with the oracle
  'tree-structure', // checkTreeStructure finds nothing
  'check-mappings', // fuse_iext_check_mappings finds nothing
  'read-back', // an accepted add/upsert reads back as the mapping added (independent of the merge predicates)
  'cookie-soundness', // a cookie for a range whose mapping changed fails revalidation
  'kernel-oops', // the modelled C dereferenced NULL (KernelOops)
  'no-crash', // nothing else throws
  'parser-never-throws', // the trace parser never throws
  'parser-names-line', // every rejected line is reported with FILE:LINE
  'parser-chunking', // the stream parser gives what parseLine gives, however the bytes are chunked
  'protocol-never-throws', // no notification or begin reply makes the protocol code throw
  'protocol-errno', // every notification gets the errno SPEC 5.2/5.3 give
  'no-scheduler-error', // the simulator's scheduler neither deadlocks nor runs away (SchedulerError)
  'no-stale-io', // a mapping that passes revalidation before an I/O still says what the server's blocks are
] as const;
export type PropertyName = (typeof PROPERTIES)[number];

export class PropertyViolation extends Error {
  constructor(
    readonly property: PropertyName,
    message: string,
    /** the hazard id that explains it, when it is a finding */
    readonly hazard?: string,
  ) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

/** One finding: a property broken by a known seed bug. */
export interface Finding {
  property: PropertyName;
  hazard: string;
  message: string;
  /** index of the operation that broke it */
  opIndex: number;
}

export const findingKey = (f: { property: string; hazard?: string }): string => (f.hazard ? `${f.property}/${f.hazard}` : f.property);
