// Lease reads on real processes (issue 16): readMode "lease" serves getVal from the leader without a heartbeat round,
// and a leader that was stopped (SIGSTOP) while the others elected a new leader and wrote a new value must not answer
// from its old lease when it runs again: its clock is monotonic, so it sees the time that passed.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { RpcClient } from '../../src/rpc/client.js';
import { credentialOptions } from '../../src/security/client-credentials.js';
import { Clients, waitUntil, startTestCluster } from './helpers.js';

describe('lease reads on a 3-node cluster of real processes', function () {
  this.timeout(60_000);
  let dir: string;
  let cluster: LocalCluster;
  const clients = new Clients();

  before(async function () {
    ({ dir, cluster } = await startTestCluster('raft-lease-', 3, { readMode: 'lease' }));
  });

  after(async function () {
    clients.closeAll();
    for (const n of cluster?.nodes ?? []) if (n.pid !== null) process.kill(n.pid, 'SIGCONT');
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads what was written, from every node (followers forward to the leader)', async function () {
    const l = await cluster.waitForLeader(20_000);
    expect(await clients.call(cluster.endpoints[l.index], 'setVal', ['k', 'v1'])).to.equal(true);
    for (let i = 0; i < 3; i++) expect(await clients.call(cluster.endpoints[i], 'getVal', ['k'])).to.equal('v1');
  });

  it('a leader stopped past its lease does not answer from it when it runs again', async function () {
    const old = await cluster.waitForLeader(20_000);
    const pid = cluster.nodes[old.index].pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      // The others drop everything to and from the stopped leader (admin call isolate), so when it runs again nothing
      // from the new term reaches it: only its own clock can tell it that its lease is over.
      const admin = credentialOptions(cluster.security.credentials, true);
      for (let i = 0; i < 3; i++) {
        if (i === old.index) continue;
        const c = new RpcClient(cluster.nodes[i].host, cluster.nodes[i].port, { ...admin, timeoutMs: 5000 });
        expect(await c.call('isolate', [[old.id], 20])).to.equal(true);
        c.close();
      }
      const next = await cluster.waitForLeader(20_000, [old.index]);
      expect(await clients.call(cluster.endpoints[next.index], 'setVal', ['k', 'v2'])).to.equal(true);
      // The old leader's read arrives before it has heard anything from the new term.
      const stale = clients.call(cluster.endpoints[old.index], 'getVal', ['k'], 15_000).then(
        (v) => ({ value: v }),
        (err: Error) => ({ error: err.message }),
      );
      process.kill(pid, 'SIGCONT');
      const got = await stale;
      expect(got, 'never the value from before the stop').to.not.deep.equal({ value: 'v1' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const admin = credentialOptions(cluster.security.credentials, true);
    for (let i = 0; i < 3; i++) {
      if (i === old.index) continue;
      const c = new RpcClient(cluster.nodes[i].host, cluster.nodes[i].port, { ...admin, timeoutMs: 5000 });
      await c.call('isolate', [[], 1]);
      c.close();
    }
    await waitUntil('the old leader to follow the new term', 20_000, async () => {
      const st = await cluster.status(old.index);
      return st !== null && st.role === 'follower' ? true : undefined;
    });
    expect(await clients.call(cluster.endpoints[old.index], 'getVal', ['k'])).to.equal('v2');
  });
});
