// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator as the report side sees it: src/sim/index.ts, loaded by URL
 * so that the pool's workers and the CLI load the same module (and tests can
 * point both at another one).
 */
import type { ReportPolicy } from './data.js';
import { DEFAULT_SIMULATOR_URL } from './pool.js';
import type { SimulatorModule } from './tasks.js';

export interface Simulator extends SimulatorModule {
  listPolicies(): ReportPolicy[];
}

export async function loadSimulator(url = DEFAULT_SIMULATOR_URL): Promise<Simulator> {
  return (await import(url)) as Simulator;
}
