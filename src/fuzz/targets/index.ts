// SPDX-License-Identifier: GPL-2.0-only
/* The fuzz targets by name. */
import type { FuzzTarget, TargetName, TargetOptions } from '../target.js';
import { CacheTarget } from './cache.js';
import { ParserTarget } from './parser.js';
import { ProtocolTarget } from './protocol.js';
import { RaceSimTarget } from './race-sim.js';
import { RaceTarget } from './race.js';
import { TreeTarget } from './tree.js';

export function makeTarget(name: TargetName, opts: TargetOptions): FuzzTarget<unknown, unknown> {
  switch (name) {
    case 'tree':
      return new TreeTarget() as FuzzTarget<unknown, unknown>;
    case 'cache':
      return new CacheTarget(opts) as FuzzTarget<unknown, unknown>;
    case 'parser':
      return new ParserTarget() as FuzzTarget<unknown, unknown>;
    case 'protocol':
      return new ProtocolTarget(opts) as FuzzTarget<unknown, unknown>;
    case 'race':
      return new RaceTarget(opts) as FuzzTarget<unknown, unknown>;
    case 'race-sim':
      return new RaceSimTarget(opts) as FuzzTarget<unknown, unknown>;
  }
}
