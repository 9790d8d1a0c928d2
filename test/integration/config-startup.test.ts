// What the node program does with its cluster.json at start, on real processes: a typo in a key is a one-line exit 2
// naming the key it probably meant, an even-sized cluster starts with one warning line, and an IPv6 cluster on [::1]
// elects a leader and commits through the client, a follower's forwarding and replication, ids kept as "[::1]:port".
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { Clients, readRaftlog, runNodeToExit, waitUntil } from './helpers.js';

/** Null when this machine can bind ::1, else why not (the IPv6 test is then skipped with the reason). */
function ipv6LoopbackUnavailable(): Promise<string | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: Error) => resolve(`cannot listen on ::1 here (${e.message})`));
    srv.listen({ host: '::1', port: 0 }, () => srv.close(() => resolve(null)));
  });
}

describe('cluster.json at node start (real processes)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'raft-cfgstart-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 with one line naming an unknown key and the key it probably meant', async () => {
    const [port] = await findFreePorts(1);
    const cfg = join(dir, 'typo.json');
    writeFileSync(cfg, JSON.stringify({ nodes: [`127.0.0.1:${port}`], electionTimeout: 300 }));
    const r = await runNodeToExit(['--config', cfg, '--data-dir', join(dir, 'typo-data'), '--id', `127.0.0.1:${port}`]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal(`error: ${cfg}: unknown key "electionTimeout"; did you mean "electionTimeoutMs"?\n`);
  });

  it('an IPv6 literal without brackets is refused with one line saying how to write it', async () => {
    const cfg = join(dir, 'v6-nobrackets.json');
    writeFileSync(cfg, JSON.stringify({ nodes: ['::1:8000'] }));
    const r = await runNodeToExit(['--config', cfg, '--data-dir', join(dir, 'v6nb-data'), '--id', '::1:8000']);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.include('write an IPv6 address in brackets: [::1]:8000');
  });

  it('a 2-node cluster starts, each node with one warning line that an even size adds no fault tolerance', async () => {
    const lines: string[][] = [[], []];
    const c = await startLocalCluster({
      nodes: 2, ports: await findFreePorts(2), dataDir: join(dir, 'two'), logLevel: 'warn', electionTimeoutMs: 300,
      onOutput: (i, line) => lines[i].push(line),
    });
    try {
      await c.waitForLeader(20_000);
      const warnings = await waitUntil('the warning from both nodes', 10_000, () => {
        const w = lines.map((l) => l.filter((s) => s.includes('even-sized cluster')));
        return w.every((x) => x.length > 0) ? w : undefined;
      });
      for (const w of warnings) {
        expect(w).to.have.length(1);
        expect(w[0]).to.match(/warn: an even-sized cluster \(2 nodes\) tolerates 0 failures, no more than 1 node would/);
      }
    } finally {
      await c.stop();
    }
  });

  describe('IPv6: a 3-node cluster on [::1]', () => {
    let cluster: LocalCluster | null = null;
    const clients = new Clients();
    let client: RaftClient | null = null;

    before(async function () {
      const why = await ipv6LoopbackUnavailable();
      if (why !== null) {
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      cluster = await startLocalCluster({
        nodes: 3, host: '::1', ports: await findFreePorts(3, '::1'), dataDir: join(dir, 'v6'), logLevel: 'warn', electionTimeoutMs: 300,
      });
    });

    after(async () => {
      client?.close();
      clients.closeAll();
      await cluster?.stop();
    });

    it('elects a leader, commits through the client and a follower, and every raftlog holds the same entries', async () => {
      const c = cluster!;
      const ports = c.nodes.map((n) => n.port);
      expect(c.endpoints).to.deep.equal(ports.map((p) => `[::1]:${p}`));
      const leader = await c.waitForLeader(20_000);
      expect(leader.id).to.equal(c.endpoints[leader.index]);
      for (let i = 0; i < 3; i++) {
        const st = await c.status(i, 5000);
        expect(st?.id).to.equal(`[::1]:${ports[i]}`);
        expect([...(st?.peers ?? [])].sort()).to.deep.equal(c.endpoints.filter((_, j) => j !== i).sort());
      }
      // getLeader answers the id as written and the host without brackets (what net.connect takes).
      expect(await clients.call(c.endpoints[leader.index], 'getLeader')).to.deep.equal({ id: leader.id, host: '::1', port: ports[leader.index] });

      client = new RaftClient(c.endpoints, { timeoutMs: 5000, deadlineMs: 20_000 });
      for (let k = 0; k < 5; k++) expect((await client.addEntry(`v6-${k}`, `tid-v6-${k}`)).ok).to.equal(true);
      // A follower forwards to the leader it knows by id "[::1]:port".
      const follower = [0, 1, 2].find((i) => i !== leader.index)!;
      expect(await clients.call(c.endpoints[follower], 'addEntry', ['tid-v6-fwd', 'via-follower'])).to.equal(true);

      const logs = await waitUntil('three identical raftlogs with the 6 entries', 20_000, () => {
        const l = c.nodes.map((n) => readRaftlog(n.dataDir));
        return l.every((x) => x === l[0] && x.includes('via-follower') && x.includes('v6-4')) ? l : undefined;
      });
      const adds = logs[0].split('\n').filter((line) => line.includes('"type":"add"'));
      expect(adds).to.have.length(6);
    });
  });
});
