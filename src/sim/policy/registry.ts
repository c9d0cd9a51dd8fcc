// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy registry: built-in policies register themselves in
 * builtin/index.ts; anyone can registerPolicy() another without touching
 * the engine. The seed baseline is always listed first.
 */
import type { PolicyDef } from './types.js';

const POLICIES = new Map<string, PolicyDef>();

export const SEED_POLICY = 'seed';

export function registerPolicy(def: PolicyDef): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(def.name)) throw new Error(`policy name '${def.name}' must be lowercase letters, digits and dashes`);
  if (POLICIES.has(def.name)) throw new Error(`policy '${def.name}' is already registered`);
  POLICIES.set(def.name, def);
}

export function policyByName(name: string): PolicyDef {
  const p = POLICIES.get(name);
  if (!p) throw new UnknownPolicyError(name, [...POLICIES.keys()]);
  return p;
}

export class UnknownPolicyError extends Error {
  constructor(readonly policy: string, known: string[]) {
    super(`unknown policy '${policy}' (known: ${known.join(', ')})`);
    this.name = 'UnknownPolicyError';
  }
}

/** Every registered policy, the seed first, then in registration order. */
export function listPolicies(): Array<{ name: string; description: string }> {
  const all = [...POLICIES.values()];
  all.sort((a, b) => (a.name === SEED_POLICY ? -1 : b.name === SEED_POLICY ? 1 : 0));
  return all.map((p) => ({ name: p.name, description: p.description }));
}
