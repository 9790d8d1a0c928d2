// Shared pieces of the simulator tests: default options and a seed sweep that stops at the first violation.
import { parseFaults } from '../../src/sim/faults.js';
import { runSimulation, type SimOptions, type SimResult } from '../../src/sim/simulation.js';
import { findVariant } from '../../src/sim/variants.js';

export function simOptions(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return { seed, nodes: 5, steps: 1000, faults: parseFaults('all'), variant: findVariant('correct'), ...overrides };
}

/** Runs seeds first, first+1, ... up to `limit` seeds; returns the first failing result and how many seeds it took. */
export async function sweepUntilViolation(
  first: number,
  limit: number,
  overrides: Partial<SimOptions>,
): Promise<{ found: SimResult | null; seedsRun: number }> {
  for (let k = 0; k < limit; k++) {
    const r = await runSimulation(simOptions(first + k, overrides));
    if (!r.ok) return { found: r, seedsRun: k + 1 };
  }
  return { found: null, seedsRun: limit };
}
