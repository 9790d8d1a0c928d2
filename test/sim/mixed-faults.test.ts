// The production core under 2,000 seeds of mixed faults (loss, duplication, reordering, late messages, symmetric and
// one-way partitions, crashes losing unsynced data, pauses, suspends), 3- and 5-node clusters, 1,000 ticks each.
// Every run checks the five invariants after every tick, the clients' history for linearizability at the end, and
// that a leader commits within the bound once faults stop. Any failure prints the seed's replay command.
import { expect } from 'chai';
import { addToTotals, emptyTotals, formatTotals, formatViolation } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { simOptions } from './sim-helpers.js';

const FIRST_SEED = 1;
const SEEDS = 2000;
const BATCH = 250;

describe('simulator: the correct core under mixed faults', function () {
  const totals = emptyTotals();

  after(() => {
    console.log(formatTotals(totals).replace(/^/gm, '      '));
  });

  for (let start = FIRST_SEED; start < FIRST_SEED + SEEDS; start += BATCH) {
    const end = Math.min(start + BATCH, FIRST_SEED + SEEDS) - 1;
    it(`seeds ${start}..${end} keep every invariant and client guarantee`, async function () {
      this.timeout(240_000); // hang-catching only; a batch takes a few seconds on an idle machine
      for (let seed = start; seed <= end; seed++) {
        // One seed in four runs three nodes, where a single failure costs the majority.
        const r = await runSimulation(simOptions(seed, { nodes: seed % 4 === 0 ? 3 : 5 }));
        addToTotals(totals, r);
        expect(r.ok, formatViolation(r)).to.equal(true);
        expect(r.summary.recoveryTicks, `seed ${seed} never recovered`).to.not.equal(null);
      }
    });
  }
});
