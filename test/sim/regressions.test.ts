// Seeds that once failed, kept so they never fail again. Each entry says what went wrong and where it was fixed.
import { expect } from 'chai';
import { formatViolation } from '../../src/sim/report.js';
import { runSimulation, type SimOptions } from '../../src/sim/simulation.js';
import { simOptions } from './sim-helpers.js';

const REGRESSIONS: { why: string; opts: Partial<SimOptions> & { seed: number } }[] = [
  {
    why:
      'checker false positive: a paused candidate of term 10 counted votes cast long before, after term 11 had ' +
      'committed an entry; Leader Completeness binds only leaders of terms after the commit (fixed in the checker)',
    opts: { seed: 53, steps: 10000 },
  },
];

describe('simulator: regression seeds', () => {
  for (const r of REGRESSIONS) {
    it(`seed ${r.opts.seed}: ${r.why}`, async function () {
      this.timeout(120_000);
      const result = await runSimulation(simOptions(r.opts.seed, r.opts));
      expect(result.ok, formatViolation(result)).to.equal(true);
    });
  }
});
