// Membership change under the simulator (issue 14): two spare processes start outside the cluster (as a node started
// with --join), and the nemesis asks the leader, at random moments among partitions, crashes, pauses, suspends,
// transfers and message loss, to add learners, promote them and remove members, the leader included. Every invariant is
// checked across configurations after every step, the clients' history must stay linearizable with every acknowledged
// write applied once, and a leader of the final configuration must commit once the faults are healed.
import { expect } from 'chai';
import { addToTotals, emptyTotals, formatTotals, formatViolation } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { simOptions } from './sim-helpers.js';

const SEEDS = 1000;
const BATCH = 250;

describe('simulator: membership changes under mixed faults', function () {
  const totals = emptyTotals();
  let asked = 0;
  let accepted = 0;
  const finalSizes = new Map<number, number>();

  after(() => {
    console.log(formatTotals(totals).replace(/^/gm, '      '));
    const sizes = [...finalSizes.entries()].sort((a, b) => a[0] - b[0]).map(([n, k]) => `${n} voters: ${k}`);
    console.log(`      membership changes asked ${asked}, accepted ${accepted}; final configurations: ${sizes.join(', ')}`);
  });

  for (let start = 1; start <= SEEDS; start += BATCH) {
    const end = start + BATCH - 1;
    it(`seeds ${start}..${end} with add/promote/remove keep every invariant, client guarantee and liveness`, async function () {
      this.timeout(300_000); // hang-catching only
      for (let seed = start; seed <= end; seed++) {
        const r = await runSimulation(simOptions(seed, { nodes: seed % 2 === 0 ? 3 : 5, reconfig: true }));
        addToTotals(totals, r);
        asked += r.summary.membershipChanges.asked;
        accepted += r.summary.membershipChanges.accepted;
        const n = r.summary.finalVoters.length;
        finalSizes.set(n, (finalSizes.get(n) ?? 0) + 1);
        expect(r.ok, formatViolation(r)).to.equal(true);
        expect(r.summary.recoveryTicks, `seed ${seed} never recovered`).to.not.equal(null);
      }
      // The runs did change the membership (a nemesis that never gets a change accepted would prove nothing).
      expect(accepted).to.be.greaterThan(end - start);
    });
  }
});
