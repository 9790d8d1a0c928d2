// Secret rotation on real processes under a steady write load: three rolling restarts (src/security/rotation.ts),
// one node at a time. Nothing acknowledged is lost, no entry is applied twice, the old keys and admin token stop
// working, the new ones work, and the cluster has a leader throughout (writes keep being acknowledged).
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { generateClusterSecrets, readClusterCredentials } from '../../src/security/cluster-secrets.js';
import { loadNodeSecrets, writeNodeSecrets, type NodeSecrets } from '../../src/security/node-secrets.js';
import { PeerSigner } from '../../src/security/peer-mac.js';
import { rotateSecrets } from '../../src/security/rotation.js';
import { basicAuthHeader } from '../../src/security/tokens.js';
import { raftlogEntries, waitUntil } from '../integration/helpers.js';
import { callBody, post } from './helpers.js';

describe('secret rotation under a write load (real processes)', function () {
  this.timeout(180_000);
  let dir: string;
  let c: LocalCluster;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'raft-rotate-'));
    c = await startLocalCluster({ nodes: 3, dataDir: dir, ports: await findFreePorts(3), logLevel: 'warn' });
    await c.waitForLeader(20_000);
  });
  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rolls new keys and tokens in one node at a time, losing nothing acknowledged', async () => {
    const members = c.endpoints;
    const load = (s: string, i: number): NodeSecrets => loadNodeSecrets(join(c.nodes[i].dataDir, s), members[i], members, false);
    const oldSecrets = new Map(members.map((id, i) => [id, load('secrets', i)]));
    const oldCredentials = c.security.credentials;
    generateClusterSecrets({ members, tls: false, clusterDir: join(dir, 'secrets.next'), nodeDir: (id) => join(c.nodes[members.indexOf(id)].dataDir, 'secrets.next') });
    const newSecrets = new Map(members.map((id, i) => [id, load('secrets.next', i)]));
    const newCredentials = readClusterCredentials(join(dir, 'secrets.next'));

    // The load: 4 writers adding entries with unique tids until told to stop.
    const client = new RaftClient(members, { timeoutMs: 2000, deadlineMs: 30_000 });
    const acked: string[] = [];
    let failed = 0;
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let k = 0; !stop && k < 100_000; k++) {
        const tid = `rot-${w}-${k}`;
        const r = await client.addEntry(`w${w}`, tid).catch(() => ({ ok: false }));
        if (r.ok) acked.push(tid);
        else failed++;
      }
    });
    const steps: string[] = [];
    try {
      await waitUntil('some writes', 10_000, () => (acked.length >= 20 ? true : undefined));
      await rotateSecrets(
        {
          members,
          install: async (id, s) => writeNodeSecrets(join(c.nodes[members.indexOf(id)].dataDir, 'secrets'), s),
          restart: async (id) => {
            const i = members.indexOf(id);
            await c.kill(i, 'SIGTERM');
            await c.restart(i);
          },
          log: (line) => steps.push(line),
        },
        { oldSecrets, newSecrets, oldCredentials, newCredentials },
      );
      const atEnd = acked.length;
      await waitUntil('writes after the rotation', 20_000, () => (acked.length >= atEnd + 20 ? true : undefined));
    } finally {
      stop = true;
      await Promise.all(writers);
      client.close();
    }
    expect(steps).to.have.length(9);
    expect(failed, 'writes that failed within their 30 s deadline').to.equal(0);

    // Every acknowledged entry in every raftlog exactly once, once the cluster is quiet.
    const leader = await c.waitForLeader(20_000);
    await waitUntil('identical raftlogs', 20_000, () => {
      const logs = c.nodes.map((n) => readFileSync(join(n.dataDir, 'raftlog'), 'utf8'));
      return logs.every((l) => l === logs[leader.index]) ? true : undefined;
    });
    for (const n of c.nodes) {
      const tids = raftlogEntries(n.dataDir).map((e) => e.tid).filter((t) => t.startsWith('rot-'));
      expect(new Set(tids).size, 'no entry twice').to.equal(tids.length);
      const have = new Set(tids);
      expect(acked.filter((t) => !have.has(t)), `acknowledged but missing in ${n.id}`).to.deep.equal([]);
    }

    // The old secrets no longer work; the new ones do.
    const f = (leader.index + 1) % 3;
    const g = (leader.index + 2) % 3;
    const body = callBody('requestVotesRPC', [1, members[g], 0, 0, false]);
    const oldSig = new PeerSigner(members[g], oldSecrets.get(members[g])!.peerKeys).headers(members[f], 'requestVotesRPC', body);
    expect((await post(c.nodes[f].port, body, oldSig)).fault?.message).to.contain('bad MAC');
    const newSig = new PeerSigner(members[g], newSecrets.get(members[g])!.peerKeys).headers(members[f], 'requestVotesRPC', body);
    expect((await post(c.nodes[f].port, body, newSig)).fault).to.equal(undefined);
    const suspend = callBody('suspend', [1]);
    expect((await post(c.nodes[f].port, suspend, { Authorization: basicAuthHeader('admin', oldCredentials.adminToken!) })).fault?.code).to.equal(401);
    expect((await post(c.nodes[f].port, suspend, { Authorization: basicAuthHeader('admin', newCredentials.adminToken!) })).value).to.equal(true);
  });
});
