// The core must never be the bottleneck: no per-entry work proportional to the log, batching on the wire.
import { expect } from 'chai';
import { TestNet, ids } from './net.js';

describe('raft core: throughput', () => {
  it('commits 50,000 entries on 5 in-memory cores quickly, in few AppendRequests', function () {
    this.timeout(60_000);
    const net = new TestNet(ids(5));
    const leader = net.electLeader();
    const total = 50_000;
    const before = net.sent.length;
    const started = process.hrtime.bigint();
    for (let k = 0; k < total; k += 250) {
      for (let j = 0; j < 250; j++) net.core(leader).propose('add', `t${k + j}`, 'payload-of-a-typical-size', '');
      net.run();
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const perSecond = Math.round((total / ms) * 1000);
    const appends = net.sent.slice(before).filter((m) => m.type === 'append' && m.entries.length > 0).length;
    console.log(`      ${total} entries committed on 5 cores in ${ms.toFixed(0)} ms (${perSecond} entries/s), ${appends} AppendRequests`);
    expect(net.node(leader).applied).to.have.length(total + 1);
    expect(appends, 'entries travel in batches').to.be.below(total / 20);
    expect(perSecond, 'hang-catching bound, far below what the core does').to.be.above(5000);
  });
});
