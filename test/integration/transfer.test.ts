// Leadership transfer (issue 14, thesis §3.10) on real node processes, driven the way a user drives it:
// `run_client transfer NODE` with the admin token the local cluster made. Under a steady write load the leadership
// moves to the named node, writes resume on it, and every acknowledged write is in every raftlog exactly once.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { methodCall, raftlogEntries, rawPost, startTestCluster, waitUntil, CLIENT_CLI, runToExit } from './helpers.js';

const runClient = (args: string[]) => runToExit(CLIENT_CLI, args, 30_000); // the timeout is a hang catcher

describe('leadership transfer on real processes (run_client transfer)', function () {
  this.timeout(90_000);
  let dir: string;
  let cluster: LocalCluster;

  before(async () => {
    ({ dir, cluster } = await startTestCluster('raft-transfer-', 3));
  });

  after(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('moves leadership to the named node under a write load; writes resume there and none is lost or doubled', async () => {
    const config = join(dir, 'cluster.json');
    const before = await cluster.waitForLeader(20_000);
    const target = cluster.nodes.find((n) => n.id !== before.id)!.id;

    // A steady writer through the client library: one write at a time, each retried under its tid until committed.
    const writer = new RaftClient(cluster.endpoints, { timeoutMs: 2000, deadlineMs: 20_000 });
    const acked: string[] = [];
    let stop = false;
    let longestGapMs = 0;
    const writing = (async () => {
      let last = performance.now();
      for (let k = 0; k < 5000 && !stop; k++) {
        const r = await writer.addEntry(`w${k}`, `transfer-w${k}`);
        if (!r.ok) continue;
        acked.push(r.tid);
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - last);
        last = now;
      }
    })();
    await waitUntil('some writes before the transfer', 20_000, () => (acked.length >= 20 ? true : undefined));
    const gapBefore = longestGapMs;

    const r = await runClient(['--config', config, 'transfer', target]);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal(`leader is now ${target}\n`);
    expect(r.code).to.equal(0);
    const after = await cluster.waitForLeader(20_000);
    expect(after.id).to.equal(target);
    expect(after.term).to.be.greaterThan(before.term);

    const atTransfer = acked.length;
    await waitUntil('writes committed by the new leader', 20_000, () => (acked.length >= atTransfer + 20 ? true : undefined));
    stop = true;
    await writing;
    writer.close();
    console.log(`      writes acknowledged ${acked.length}; longest gap between two acknowledgements ${longestGapMs.toFixed(0)} ms (before the transfer ${gapBefore.toFixed(0)} ms)`);

    // Every acknowledged write exactly once, in every raftlog, and the raftlogs identical.
    const want = acked.length;
    const logs = await waitUntil('every raftlog holding every acknowledged write', 20_000, () => {
      const all = cluster.nodes.map((n) => raftlogEntries(n.dataDir));
      return all.every((es) => acked.every((tid) => es.some((e) => e.tid === tid))) ? all : undefined;
    });
    for (const es of logs) {
      const tids = es.filter((e) => e.tid.startsWith('transfer-w')).map((e) => e.tid);
      expect(new Set(tids).size, 'a write applied twice').to.equal(tids.length);
      expect(tids.length).to.be.at.least(want);
    }
    const shortest = Math.min(...logs.map((es) => es.length));
    const prefix = (es: typeof logs[number]) => JSON.stringify(es.slice(0, shortest));
    expect(new Set(logs.map(prefix)).size, 'raftlogs differ').to.equal(1);
  });

  it('refuses a target that is not a member in one line (exit 1), and an anonymous transfer, changing nothing', async () => {
    const config = join(dir, 'cluster.json');
    const before = await cluster.waitForLeader(20_000);
    const r = await runClient(['--config', config, 'transfer', '127.0.0.1:1']);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/not a member of this cluster/);

    // Without the admin token (a raw call, as an outsider would send it).
    const other = cluster.nodes.find((n) => n.id !== before.id)!;
    const leaderPort = cluster.nodes.find((n) => n.id === before.id)!.port;
    const res = await rawPost(leaderPort, methodCall('transfer', `<param><value><string>${other.id}</string></value></param>`));
    expect(res.body).to.match(/<fault>/);
    expect(res.body).to.match(/admin/i);

    const now = await cluster.waitForLeader(20_000);
    expect(now.id).to.equal(before.id);
    expect(now.term).to.equal(before.term);
  });
});
