// Lease reads under the simulator (issue 16): every node's clock runs at its own rate within the drift bound the
// lease is sized for, a stopped process catches its clock up before it answers (as the runtime does), and the clients'
// reads must stay linearizable through partitions, crashes, pauses and suspends.
import { expect } from 'chai';
import { addToTotals, emptyTotals, formatTotals, formatViolation } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { simOptions } from './sim-helpers.js';

const SEEDS = 600;
const BATCH = 200;

describe('simulator: lease reads under mixed faults and clock drift', function () {
  const totals = emptyTotals();

  after(() => {
    console.log(formatTotals(totals).replace(/^/gm, '      '));
  });

  for (let start = 1; start <= SEEDS; start += BATCH) {
    const end = start + BATCH - 1;
    it(`seeds ${start}..${end} (lease mode) keep every invariant and linearizable reads`, async function () {
      this.timeout(240_000); // hang-catching only
      for (let seed = start; seed <= end; seed++) {
        const r = await runSimulation(simOptions(seed, { nodes: seed % 2 === 0 ? 3 : 5, readMode: 'lease' }));
        addToTotals(totals, r);
        expect(r.ok, formatViolation(r)).to.equal(true);
        expect(r.summary.recoveryTicks, `seed ${seed} never recovered`).to.not.equal(null);
      }
    });
  }
});
