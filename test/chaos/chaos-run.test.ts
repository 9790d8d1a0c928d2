// About a minute of chaos on five real node processes: kill -9 and restart, SIGSTOP/SIGCONT, suspend, symmetric and
// one-way partitions through the proxies, with four clients writing and reading all along. Afterwards the history
// must be linearizable, every raftlog a prefix of one history holding every acknowledged write exactly once, and no
// term may have had two leaders. `npm run chaos -- --seconds 600` runs the same thing for longer.
import { expect } from 'chai';
import { formatChaosReport } from '../../src/chaos/report.js';
import { runChaos } from '../../src/chaos/run-chaos.js';

describe('chaos: five real nodes under a nemesis', function () {
  it('keeps every acknowledged write, stays linearizable and converges after healing', async function () {
    this.timeout(240_000); // hang-catching only: 40 s of faults, then healing, quiescence and checks
    const report = await runChaos({ nodes: 5, seconds: 40, clients: 4 });
    console.log(formatChaosReport(report).replace(/^/gm, '      '));
    expect(report.problems, formatChaosReport(report)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    // The run must actually have exercised something: faults happened and clients got through between them.
    const f = report.faults;
    expect(f.kill + f.pause + f.suspend + f.partition + f.oneway).to.be.at.least(8);
    expect(report.ops.writesAcked).to.be.greaterThan(20);
    expect(report.ops.readsOk).to.be.greaterThan(5);
    expect(report.leadersSeen.length).to.be.at.least(1);
    expect(Math.min(...report.raftlogLengths)).to.equal(report.committedEntries);
  });
});
