// Issue 12 on real node processes (default local cluster: peers authenticated, admin token, clients open): forged
// Raft calls from an outsider and from a member in another member's name, a replayed request, an expired one, and
// suspend without or with a wrong credential are all refused with a fault, and term, vote, log and leader stay as
// they were. The cluster still elects and commits, and Python's stock client still adds entries over plain HTTP.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { RaftClient } from '../../src/client/raft-client.js';
import { RpcClient } from '../../src/rpc/client.js';
import { loadNodeSecrets } from '../../src/security/node-secrets.js';
import { PeerSigner } from '../../src/security/peer-mac.js';
import { basicAuthHeader } from '../../src/security/tokens.js';
import { callBody, forgedAppend, forgedVote, nodeState, post, type NodeState } from './helpers.js';
import { waitUntil } from '../integration/helpers.js';

const lines = (text: string): number => text.split('\n').filter((l) => l !== '').length;


/**
 * Timeouts long enough that a loaded machine (a 2-core CI box running other jobs) causes no spontaneous election:
 * these tests check that refused calls change no term or leader, so any change must come from the calls.
 */
const CALM = { heartbeatMs: 100, electionTimeoutMs: 1500 };
describe('peer authentication and admin rights on a local cluster (real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  let c: LocalCluster;
  let leader: number;
  let f: number; // the follower attacked
  let g: number; // the other follower, whose keys the "rogue member" uses

  const signerOf = (i: number, now?: () => number): PeerSigner => {
    const s = loadNodeSecrets(join(c.nodes[i].dataDir, 'secrets'), c.nodes[i].id, c.endpoints, false);
    return new PeerSigner(c.nodes[i].id, s.peerKeys, now);
  };
  const statesOf = (): Promise<NodeState[]> => Promise.all(c.nodes.map((_, i) => nodeState(c, i)));
  /** The cluster is quiet when every node has applied everything and agrees on the leader. */
  const quiet = async (): Promise<NodeState[]> =>
    waitUntil('the cluster to be quiet', 20_000, async () => {
      const s = await statesOf();
      const ok = s.every((x) => x.commitIndex === s[leader].lastLogIndex && x.lastLogIndex === s[leader].lastLogIndex && x.raftlog === s[leader].raftlog && lines(x.raftlog) === x.commitIndex);
      // (Raftlog lines are written in batches shortly after the commit: quiet means they are all there too.)
      return ok ? s : undefined;
    });
  const expectFault = (a: { status: number; fault?: { code: number; message: string } }, code: number, text: string): void => {
    expect(a.status).to.equal(200);
    expect(a.fault, 'a fault').to.not.equal(undefined);
    expect(a.fault!.code).to.equal(code);
    expect(a.fault!.message).to.contain(text);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'raft-auth-'));
    c = await startLocalCluster({ nodes: 3, dataDir: dir, ports: await findFreePorts(3), logLevel: 'warn', ...CALM });
    leader = (await c.waitForLeader(20_000)).index;
    f = (leader + 1) % 3;
    g = (leader + 2) % 3;
    const client = new RpcClient('127.0.0.1', c.nodes[f].port, { timeoutMs: 10_000 });
    for (let k = 0; k < 3; k++) expect(await client.call('addEntry', [`before-${k}`, `entry ${k}`])).to.equal(true);
    client.close();
  });

  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('made its secrets in the data folder, private to their owner, each node holding only its own keys', () => {
    for (const d of [join(dir, 'secrets'), ...c.nodes.map((n) => join(n.dataDir, 'secrets'))]) {
      expect(statSync(d).mode & 0o777, d).to.equal(0o700);
    }
    for (const file of [join(dir, 'secrets', 'admin.token'), join(dir, 'secrets', 'client.token'), join(c.nodes[0].dataDir, 'secrets', 'node-secrets.json')]) {
      expect(statSync(file).mode & 0o777, file).to.equal(0o600);
    }
    const s0 = JSON.parse(readFileSync(join(c.nodes[0].dataDir, 'secrets', 'node-secrets.json'), 'utf8')) as { peerKeys: Record<string, string> };
    const s1 = JSON.parse(readFileSync(join(c.nodes[1].dataDir, 'secrets', 'node-secrets.json'), 'utf8')) as { peerKeys: Record<string, string> };
    expect(Object.keys(s0.peerKeys).sort()).to.deep.equal([c.endpoints[1], c.endpoints[2]].sort());
    // Pairwise: 0 and 1 share one key; 0's key with 2 is another one, which 1 does not hold.
    expect(s0.peerKeys[c.endpoints[1]]).to.equal(s1.peerKeys[c.endpoints[0]]);
    expect(Object.values(s1.peerKeys)).to.not.include(s0.peerKeys[c.endpoints[2]]);
    // The node's file holds the tokens' digests, not the tokens.
    const token = readFileSync(join(dir, 'secrets', 'admin.token'), 'utf8').trim();
    expect(readFileSync(join(c.nodes[0].dataDir, 'secrets', 'node-secrets.json'), 'utf8')).to.not.contain(token);
  });

  it('refuses forged appendEntriesRPC and requestVotesRPC from an outsider and from a member in another member\'s name', async () => {
    const before = await quiet();
    const fPort = c.nodes[f].port;
    const lId = c.endpoints[leader];
    const fId = c.endpoints[f];
    // An outsider: no MAC at all (the exact attack of the issue), and one with a made-up header.
    expectFault(await post(fPort, callBody('appendEntriesRPC', forgedAppend(before[f], lId, fId))), 401, 'no peer authentication header');
    expectFault(await post(fPort, callBody('requestVotesRPC', forgedVote(before[f], lId, fId))), 401, 'no peer authentication header');
    expectFault(await post(fPort, callBody('requestVoteRPC', forgedVote(before[f], lId, fId))), 401, 'no peer authentication header');
    const fake = { 'x-raft-peer-auth': `raft-hmac-sha256-v1 ${lId} ${Date.now()} 0123456789abcdef.1 ${'ab'.repeat(32)}` };
    expectFault(await post(fPort, callBody('appendEntriesRPC', forgedAppend(before[f], lId, fId)), fake), 401, 'bad MAC');
    // A member (g, with its own valid keys) claiming to be the leader, or a candidate it is not.
    const rogue = signerOf(g);
    for (const [method, params] of [
      ['appendEntriesRPC', forgedAppend(before[f], lId, fId)],
      ['requestVotesRPC', forgedVote(before[f], lId, fId)],
    ] as const) {
      const body = callBody(method, params);
      expectFault(await post(fPort, body, rogue.headers(fId, method, body)), 403, `member ${c.endpoints[g]} sent a call in the name of "${lId}"`);
    }
    // g's key for f is not valid for the leader: signing "as the leader" with it fails the MAC.
    const body = callBody('appendEntriesRPC', forgedAppend(before[f], lId, fId));
    const asLeader = rogue.headers(fId, 'appendEntriesRPC', body)['x-raft-peer-auth'].replace(c.endpoints[g], lId);
    expectFault(await post(fPort, body, { 'x-raft-peer-auth': asLeader }), 401, 'bad MAC');

    const after = await quiet();
    expect(after).to.deep.equal(before);
    expect(after[f].raftlog).to.not.contain('evil');
    const log = readFileSync(join(c.nodes[f].dataDir, 'node.log'), 'utf8');
    expect(log).to.match(/security: refused appendEntriesRPC from 127\.0\.0\.1:\d+: no peer authentication header/);
    expect(log).to.contain(`security: refused requestVotesRPC from 127.0.0.1`);
  });

  it('accepts a member\'s request once and refuses its replay, and refuses an expired one', async () => {
    const before = await quiet();
    const fPort = c.nodes[f].port;
    const fId = c.endpoints[f];
    const gId = c.endpoints[g];
    // A request g may make: a vote request for itself at the current term with an older log (never granted).
    const body = callBody('requestVotesRPC', [before[f].term, gId, 0, 0, false]);
    const captured = signerOf(g).headers(fId, 'requestVotesRPC', body);
    const first = await post(fPort, body, captured);
    expect(first.fault, JSON.stringify(first)).to.equal(undefined);
    expect(first.value).to.deep.include({ voteGranted: false });
    expectFault(await post(fPort, body, captured), 401, 'replayed request');
    // Signed correctly but 60 s ago (or ahead): outside the freshness window.
    const old = signerOf(g, () => Date.now() - 60_000);
    expectFault(await post(fPort, body, old.headers(fId, 'requestVotesRPC', body)), 401, 'off this node\'s clock');
    const ahead = signerOf(g, () => Date.now() + 60_000);
    expectFault(await post(fPort, body, ahead.headers(fId, 'requestVotesRPC', body)), 401, 'off this node\'s clock');
    // The MAC covers the body: the captured header on another body fails.
    const other = callBody('requestVotesRPC', [before[f].term + 1, gId, 0, 0, false]);
    expectFault(await post(fPort, other, signerOf(g).headers(fId, 'requestVotesRPC', body)), 401, 'bad MAC');
    expect(await quiet()).to.deep.equal(before);
  });

  it('refuses suspend without the admin credential or with a wrong one, and does it with the right one', async () => {
    const before = await quiet();
    const fPort = c.nodes[f].port;
    const body = callBody('suspend', [30]);
    expectFault(await post(fPort, body), 401, 'needs the admin credential');
    expectFault(await post(fPort, body, { Authorization: basicAuthHeader('admin', 'not-the-token') }), 401, 'wrong credentials');
    const clientToken = readFileSync(join(dir, 'secrets', 'client.token'), 'utf8').trim();
    expectFault(await post(fPort, body, { Authorization: basicAuthHeader('client', clientToken) }), 401, 'needs the admin credential');
    // A member's MAC is no admin credential either.
    expectFault(await post(fPort, body, signerOf(g).headers(c.endpoints[f], 'suspend', body)), 401, 'needs the admin credential');
    const after = await quiet();
    expect(after).to.deep.equal(before);
    expect((await c.status(f))?.suspended).to.equal(false);

    const admin = new RaftClient(c.endpoints, { credentials: c.security.credentials, timeoutMs: 5000 });
    try {
      expect(await admin.suspend(c.endpoints[f], 1)).to.equal(true);
    } finally {
      admin.close();
    }
    // It was suspended: it answers nothing for that second, then serves again.
    await new Promise((r) => setTimeout(r, 200));
    expect(await c.status(f, 300)).to.equal(null);
    await waitUntil('the suspended node to serve again', 20_000, async () => ((await c.status(f))?.suspended === false ? true : undefined));
  });

  it('still elects, replicates and commits, and Python\'s stock client adds an entry over plain HTTP on loopback', async () => {
    const s = await quiet();
    const port = c.nodes[f].port;
    const out = execFileSync('python3', ['-c', `import xmlrpc.client as x; print(x.ServerProxy("http://127.0.0.1:${port}").addEntry("py-1", "hello"))`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.trim()).to.equal('True');
    const after = await quiet();
    expect(after[leader].lastLogIndex).to.equal(s[leader].lastLogIndex + 1);
    for (const x of after) expect(x.raftlog).to.contain('"tid":"py-1","data":"hello"');
  });

  it('reuses its secrets at the next start', async () => {
    const token = readFileSync(join(dir, 'secrets', 'admin.token'), 'utf8');
    const keys = readFileSync(join(c.nodes[0].dataDir, 'secrets', 'node-secrets.json'), 'utf8');
    await c.stop();
    c = await startLocalCluster({ nodes: 3, dataDir: dir, ports: c.nodes.map((n) => n.port), logLevel: 'warn', ...CALM });
    await c.waitForLeader(20_000);
    expect(readFileSync(join(dir, 'secrets', 'admin.token'), 'utf8')).to.equal(token);
    expect(readFileSync(join(c.nodes[0].dataDir, 'secrets', 'node-secrets.json'), 'utf8')).to.equal(keys);
  });
});
