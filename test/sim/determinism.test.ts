// Same seed, same run, bit for bit: the replay command printed on a violation is only worth something if this holds.
// Also the fault-free baseline: with nothing going wrong, a leader is elected and clients' writes and reads succeed.
import { expect } from 'chai';
import { parseFaults } from '../../src/sim/faults.js';
import { formatViolation } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { simOptions } from './sim-helpers.js';

describe('simulator: determinism and baseline', () => {
  it('produces an identical trace hash and summary for the same seed, and a different one for another seed', async () => {
    const a = await runSimulation(simOptions(4242, { steps: 1500 }));
    const b = await runSimulation(simOptions(4242, { steps: 1500 }));
    const c = await runSimulation(simOptions(4243, { steps: 1500 }));
    expect(a.ok, formatViolation(a)).to.equal(true);
    expect(b.traceHash).to.equal(a.traceHash);
    expect(b.summary).to.deep.equal(a.summary);
    expect(c.traceHash).to.not.equal(a.traceHash);
  });

  it('elects a leader and serves clients in a fault-free run', async () => {
    const r = await runSimulation(simOptions(7, { faults: parseFaults('none'), steps: 800 }));
    expect(r.ok, formatViolation(r)).to.equal(true);
    expect(r.summary.leadersElected).to.equal(1);
    expect(r.summary.writesAcked).to.be.greaterThan(100);
    expect(r.summary.readsAcked).to.be.greaterThan(30);
    expect(r.summary.opsUnknown).to.equal(0);
  });

  it('names every fault kind it injected across a few seeds of mixed faults', async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const s = (await runSimulation(simOptions(seed))).summary;
      for (const [k, n] of Object.entries(s.faults)) if (n > 0) seen.add(k);
      if (s.network.lost > 0) seen.add('loss');
      if (s.network.duplicated > 0) seen.add('dup');
      if (s.network.late > 0) seen.add('reorder');
    }
    expect([...seen].sort()).to.deep.equal(['crash', 'dup', 'loss', 'oneway', 'partition', 'pause', 'reorder', 'suspend', 'transfer']);
  });
});
