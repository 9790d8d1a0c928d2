// RaftClient against fake nodes over real XML-RPC: leader discovery, following leader changes, retries with the
// same tid, and the NoLeaderError a user sees when nobody leads.
import { expect } from 'chai';
import { NoLeaderError, RaftClient } from '../../src/client/raft-client.js';
import { RpcFaultError } from '../../src/rpc/client.js';
import { deadAddress, startFakeCluster, type FakeCluster } from './fake-cluster.js';
import { FAULT } from '../../src/protocol/faults.js';

describe('RaftClient', function () {
  let fc: FakeCluster | null = null;
  let client: RaftClient | null = null;
  afterEach(async () => {
    client?.close();
    client = null;
    await fc?.close();
    fc = null;
  });

  it('finds the leader by asking every node, even with a dead node in the list', async () => {
    fc = await startFakeCluster(3, 2);
    client = new RaftClient([await deadAddress(), ...fc.nodes], { timeoutMs: 2000, deadlineMs: 8000 });
    expect(await client.findLeader()).to.equal(fc.nodes[2]);
    const r = await client.addEntry('hello');
    expect(r).to.include({ ok: true, leader: fc.nodes[2] });
    expect(fc.committed).to.deep.equal([r.tid]);
    // Only the leader was sent the write.
    expect(fc.attempts[0].concat(fc.attempts[1])).to.deep.equal([]);
  });

  it("follows a follower's leader hint to a leader that is not in its list", async () => {
    fc = await startFakeCluster(3, 1);
    client = new RaftClient([fc.nodes[0]], { timeoutMs: 2000, deadlineMs: 8000 });
    expect(await client.findLeader()).to.equal(fc.nodes[1]);
  });

  it('retries with the same tid when the answer is lost or the write is not committed, and commits once', async () => {
    fc = await startFakeCluster(3, 0);
    client = new RaftClient(fc.nodes, { timeoutMs: 2000, deadlineMs: 15_000 });
    fc.dropWrites = 1;
    const lost = await client.addEntry('answer lost', 'tid-lost');
    expect(lost).to.include({ ok: true, tid: 'tid-lost' });
    expect(fc.attempts[0].filter((t) => t === 'tid-lost').length).to.be.at.least(2);
    fc.failWrites = 2;
    expect(await client.setVal('k', 'v', 'tid-set')).to.equal(true);
    expect(fc.attempts[0].filter((t) => t === 'tid-set')).to.deep.equal(['tid-set', 'tid-set', 'tid-set']);
    expect(fc.committed).to.deep.equal(['tid-lost', 'tid-set']);
    expect(await client.getVal('k')).to.equal('v');
  });

  it('follows a leader change in the middle of a run; every write commits exactly once', async () => {
    fc = await startFakeCluster(3, 0);
    const cluster = fc;
    client = new RaftClient(fc.nodes, { timeoutMs: 2000, deadlineMs: 15_000 });
    const c = client;
    let next = 0;
    const results = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const mine: Array<{ ok: boolean; tid: string }> = [];
        while (next < 60) {
          const i = next++;
          if (i === 20) cluster.leader = 1; // old leader now refuses with "not leader"
          if (i === 40) {
            cluster.leader = 2;
            cluster.followerFaults = false; // followers now answer plain false
          }
          mine.push(await c.addEntry(`e${i}`));
        }
        return mine;
      }),
    );
    const all = results.flat();
    expect(all).to.have.length(60);
    expect(all.every((r) => r.ok)).to.equal(true);
    expect([...fc.committed].sort()).to.deep.equal(all.map((r) => r.tid).sort());
    expect(new Set(fc.committed).size).to.equal(60);
    expect(fc.attempts[2].length).to.be.greaterThan(0);
    expect(client.knownLeader()).to.equal(fc.nodes[2]);
  });

  it('throws NoLeaderError naming the nodes it asked when nobody leads', async () => {
    fc = await startFakeCluster(2, null);
    fc.hint = null;
    client = new RaftClient(fc.nodes, { timeoutMs: 500, deadlineMs: 1500 });
    expect(await client.findLeader()).to.equal(null);
    const err = await client.addEntry('x').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NoLeaderError);
    expect((err as Error).message).to.match(/^no leader answered within \d+ ms \(asked: 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)$/);
    expect(await client.getVal('k').catch((e: unknown) => e)).to.be.instanceOf(NoLeaderError);
  });

  it('reads status, the leader a node knows, and suspends a node', async () => {
    fc = await startFakeCluster(2, 1);
    client = new RaftClient(fc.nodes, { timeoutMs: 2000, deadlineMs: 5000 });
    const st = await client.status(fc.nodes[0]);
    expect(st).to.include({ id: fc.nodes[0], role: 'follower', leader: fc.nodes[1], suspended: false });
    expect(st.peers).to.deep.equal(fc.nodes);
    expect(await client.getLeader(fc.nodes[0])).to.equal(fc.nodes[1]);
    expect(await client.suspend(fc.nodes[0], 1)).to.equal(true);
    await new Promise((r) => setTimeout(r, 100));
    const during = await client.status(fc.nodes[0]).catch((e: unknown) => e);
    expect(during).to.be.instanceOf(Error);
  });

  it('does not retry a request the node calls malformed (bad-parameters fault), but does retry an internal error', async () => {
    fc = await startFakeCluster(1, 0);
    client = new RaftClient(fc.nodes, { timeoutMs: 2000, deadlineMs: 10_000 });
    const err = await client.setVal('bad-key', 'v', 'tid-bad').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RpcFaultError);
    expect((err as RpcFaultError).code).to.equal(FAULT.badParams);
    expect(fc.attempts[0]).to.deep.equal(['tid-bad']);
    fc.internalErrors = 2;
    expect(await client.setVal('k', 'v', 'tid-internal')).to.equal(true);
    expect(fc.attempts[0].filter((t) => t === 'tid-internal')).to.have.length(3);
  });
});
