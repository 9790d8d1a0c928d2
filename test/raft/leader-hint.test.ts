// The leader-loss hint (core.leaderUnreachable): when every connection from the leader closes at once the runtime
// tells the core, which brings its election timer forward. These tests pin down that it only does that: survivors
// that saw the loss elect a new leader within a few ticks, a node that did not see it still protects a live leader
// (its pre-vote is refused), and a wrong hint is undone by the leader's next heartbeat.
import { expect } from 'chai';
import { TestNet, ids } from './net.js';

/**
 * Ticks (bounded) until `done` holds; returns how many ticks it took. Nodes tick one after another with the network
 * settling in between, as real clocks are never in phase.
 */
function ticksUntil(net: TestNet, done: () => boolean, max: number, only: string[] = net.peers): number {
  for (let t = 1; t <= max; t++) {
    for (const id of only) net.tick(1, [id]);
    if (done()) return t;
  }
  throw new Error(`condition not met within ${max} ticks`);
}

describe('raft core: leader-loss hint', () => {
  it('survivors that all saw the leader go elect a new one within a fraction of the election timeout', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const net = new TestNet(ids(3), { seed });
      const old = net.electLeader();
      net.tick(3);
      net.isolate(old);
      const survivors = net.peers.filter((p) => p !== old);
      const termBefore = net.core(survivors[0]).status().term;
      for (const s of survivors) net.core(s).leaderUnreachable(old);
      // electionTicks is 10: without the hint the first survivor would need at least 10 ticks.
      const took = ticksUntil(net, () => survivors.some((s) => net.core(s).status().role === 'leader'), 40, survivors);
      const newLeader = survivors.find((s) => net.core(s).status().role === 'leader') as string;
      expect(net.core(newLeader).status().term, `seed ${seed}`).to.equal(termBefore + 1);
      expect(took, `seed ${seed}`).to.be.at.most(3);
    }
  });

  it('does not let one follower depose a live leader: the others, still hearing it, refuse the pre-vote', () => {
    const net = new TestNet(ids(3), { seed: 5 });
    const leader = net.electLeader();
    net.tick(3);
    const [a, b] = net.peers.filter((p) => p !== leader);
    const term = net.core(leader).status().term;
    // Only `a` gets a (wrong) hint, and the leader's messages to it are lost for a while.
    net.cutLink(leader, a);
    net.core(a).leaderUnreachable(leader);
    ticksUntil(net, () => net.core(a).status().role !== 'follower' || net.core(a).status().leader === null, 5);
    net.tick(5);
    expect(net.leaders()).to.deep.equal([leader]);
    expect(net.core(leader).status().term).to.equal(term);
    expect(net.core(b).status().term).to.equal(term);
    net.heal();
    net.tick(5);
    expect(net.core(a).status()).to.include({ role: 'follower', leader, term });
  });

  it('is undone by the leader speaking again: the follower goes back to a full election timeout', () => {
    const net = new TestNet(ids(3), { seed: 9 });
    const leader = net.electLeader();
    net.tick(3);
    const a = net.peers.find((p) => p !== leader) as string;
    net.core(a).leaderUnreachable(leader);
    // The heartbeat arrives before the shortened timer fires (heartbeatTicks is 2; the hint waits at least 1 tick).
    net.core(leader).tick();
    net.core(leader).tick();
    net.run();
    // Now cut `a` off: without the hint it must wait at least electionTicks (10) before campaigning.
    net.isolate(a);
    let ticks = 0;
    while (net.core(a).status().role === 'follower' && ticks < 100) {
      net.core(a).tick();
      net.run();
      ticks++;
    }
    expect(ticks).to.be.at.least(10);
  });

  it('ignores a hint about anyone but the leader it follows, and on a leader or candidate', () => {
    const net = new TestNet(ids(3), { seed: 3 });
    const leader = net.electLeader();
    net.tick(3);
    const [a, b] = net.peers.filter((p) => p !== leader);
    net.core(a).leaderUnreachable(b);
    net.core(leader).leaderUnreachable(leader);
    net.tick(8);
    expect(net.leaders()).to.deep.equal([leader]);
    for (const p of net.peers) expect(net.core(p).status().leader).to.equal(leader);
  });
});
