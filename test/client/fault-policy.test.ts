// What the client library does about each fault code a node sends (src/protocol/faults.ts -> src/client/fault-policy.ts):
// the table itself, then the behaviour a user relies on over real XML-RPC: a wrong request fails at once, "busy"
// is retried on the same leader, a code no node sends (the stale 400 of old) is retried like any other trouble, and a
// real node's bad-parameters fault reaches the caller at once instead of being retried until the deadline.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { RaftClient } from '../../src/client/raft-client.js';
import { faultAction, type FaultAction } from '../../src/client/fault-policy.js';
import { FAULT, faultName, type FaultName } from '../../src/protocol/faults.js';
import { RpcFaultError } from '../../src/rpc/client.js';
import { startFakeCluster, type FakeCluster } from './fake-cluster.js';
import { startTestCluster } from '../integration/helpers.js';

describe('client fault policy', function () {
  this.timeout(60_000);

  it('maps every code a node sends to give up, wait, or find the leader again', () => {
    const expected: Record<FaultName, FaultAction> = {
      parseError: 'fail', invalidRequest: 'fail', unknownMethod: 'fail', badParams: 'fail', internal: 'rediscover',
      unauthenticated: 'fail', forbidden: 'fail', conflict: 'fail', notLeader: 'rediscover', unavailable: 'wait',
    };
    for (const [name, code] of Object.entries(FAULT)) {
      expect(faultName(code), name).to.equal(name);
      expect(faultAction(code), name).to.equal(expected[name as FaultName]);
    }
    // Codes no node of ours sends (400 was the client's stale idea of "bad parameters"): ordinary trouble.
    for (const code of [400, 500, 0, -1]) expect(faultAction(code), String(code)).to.equal('rediscover');
    // The numbers are distinct: one code, one meaning.
    expect(new Set(Object.values(FAULT)).size).to.equal(Object.keys(FAULT).length);
  });

  describe('against fake nodes over XML-RPC', () => {
    let fc: FakeCluster | null = null;
    let client: RaftClient | null = null;
    afterEach(async () => {
      client?.close();
      client = null;
      await fc?.close();
      fc = null;
    });

    it('fails at once on a refused credential, waits out "unavailable", and retries a code no node sends', async () => {
      fc = await startFakeCluster(3, 0);
      client = new RaftClient(fc.nodes, { timeoutMs: 2000, deadlineMs: 10_000 });

      fc.faultQueue = [FAULT.unauthenticated];
      const refused = await client.setVal('k', 'v', 'tid-auth').catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(RpcFaultError);
      expect((refused as RpcFaultError).code).to.equal(FAULT.unauthenticated);
      expect(fc.attempts[0].filter((t) => t === 'tid-auth')).to.have.length(1);

      fc.faultQueue = [FAULT.unavailable, FAULT.unavailable];
      expect(await client.setVal('k', 'v', 'tid-busy')).to.equal(true);
      expect(fc.attempts[0].filter((t) => t === 'tid-busy')).to.have.length(3);
      expect(client.knownLeader()).to.equal(fc.nodes[0]);

      fc.faultQueue = [400];
      expect(await client.setVal('k', 'v', 'tid-400')).to.equal(true);
      expect(fc.attempts[0].filter((t) => t === 'tid-400')).to.have.length(2);
      expect(fc.committed).to.deep.equal(['tid-busy', 'tid-400']);
    });
  });

  it("a real node's bad-parameters fault reaches the caller at once, not after the deadline", async () => {
    const { dir, cluster } = await startTestCluster('raft-faults-', 1);
    const client = new RaftClient(cluster.endpoints, { timeoutMs: 5000, deadlineMs: 20_000 });
    try {
      await cluster.waitForLeader(20_000);
      const started = Date.now();
      // Larger than any entry a node accepts (MAX_ENTRY_WIRE_BYTES, 1 MiB of XML text).
      const err = await client.setVal('k', 'x'.repeat((1 << 20) + 10)).catch((e: unknown) => e);
      const tookMs = Date.now() - started;
      expect(err).to.be.instanceOf(RpcFaultError);
      expect((err as RpcFaultError).code).to.equal(FAULT.badParams);
      expect((err as RpcFaultError).message).to.match(/setVal: the entry is \d+ bytes as XML text; the limit is \d+/);
      // Hang bound only: a retried fault would have run until the 20 s deadline.
      expect(tookMs).to.be.below(10_000);
      expect(await client.setVal('k', 'small')).to.equal(true);
    } finally {
      client.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
