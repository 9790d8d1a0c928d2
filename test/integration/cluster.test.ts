// Real node processes on 127.0.0.1: one 5-node cluster exercised in order (election, concurrent writes, duplicates,
// reads, bad input, a suspended follower, kill -9 of the leader and its restart). Every check is on what users see:
// RPC answers and the raftlog files on disk. Timing bounds are hang catchers only.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { RpcClient } from '../../src/rpc/client.js';
import { Clients, methodCall, raftlogEntries, rawPost, readRaftlog, waitUntil, startTestCluster } from './helpers.js';

const NODES = 5;

describe('5-node cluster of real processes', function () {
  this.timeout(60_000);
  let dir: string;
  let cluster: LocalCluster;
  const clients = new Clients();
  /** tid -> data of every addEntry acknowledged with true: none may ever be lost. */
  const acknowledged = new Map<string, string>();

  const leader = async (exclude: number[] = []) => (await cluster.waitForLeader(20_000, exclude)).index;
  const ep = (i: number) => cluster.endpoints[i];
  const running = () => cluster.nodes.filter((n) => n.process !== null).map((n) => n.index);

  async function addEntry(at: number, tid: string, data: string): Promise<boolean> {
    const ok = (await clients.call(ep(at), 'addEntry', [tid, data])) === true;
    // A repeated tid is acknowledged for its first entry, so the first data sent is what must survive.
    if (ok && !acknowledged.has(tid)) acknowledged.set(tid, data);
    return ok;
  }

  /**
   * Waits until the cluster is quiet and every running node's raftlog holds everything the leader committed, then
   * returns the files. Byte-identical files are the expected end state, so the wait is for exactly that (bounded).
   */
  async function settledRaftlogs(): Promise<string[]> {
    const l = await leader();
    const target = (await cluster.status(l))!.commitIndex;
    return waitUntil(`identical raftlogs on all running nodes, at least ${target} lines`, 20_000, () => {
      const logs = running().map((i) => readRaftlog(cluster.nodes[i].dataDir));
      const lines = logs[0].split('\n').length - 1;
      return lines >= target && logs.every((log) => log === logs[0]) ? logs : undefined;
    });
  }

  before(async function () {
    ({ dir, cluster } = await startTestCluster('raft-it-', NODES));
  });

  after(async function () {
    clients.closeAll();
    if (cluster) await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('elects exactly one leader, and every node names it', async function () {
    const l = await cluster.waitForLeader(20_000);
    const all = await waitUntil('every node to know the leader', 10_000, async () => {
      const st = await Promise.all(cluster.nodes.map((_, i) => cluster.status(i)));
      return st.every((s) => s !== null && s.leader === l.id) ? st : undefined;
    });
    expect(all.filter((s) => s!.role === 'leader')).to.have.length(1);
    expect(new Set(all.map((s) => s!.term)).size).to.equal(1);
    for (let i = 0; i < NODES; i++) expect(await clients.call(ep(i), 'isLeader')).to.equal(i === l.index);
    expect(await clients.call(ep((l.index + 1) % NODES), 'getLeader')).to.deep.include({ id: l.id, port: cluster.nodes[l.index].port });
  });

  it('commits 200 concurrent addEntry calls (half through followers) identically into all 5 raftlogs', async function () {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, k) => addEntry(k % NODES, `conc-${k}`, `value ${k} <&> "quoted" ünïcode`)),
    );
    expect(results.every((r) => r)).to.equal(true);
    const logs = await settledRaftlogs();
    for (const log of logs) expect(log).to.equal(logs[0]);
    const entries = raftlogEntries(cluster.nodes[0].dataDir);
    entries.forEach((e, k) => expect(e.index).to.equal(k + 1));
    const tids = entries.filter((e) => e.tid.startsWith('conc-')).map((e) => e.tid);
    expect(tids).to.have.length(200);
    expect(new Set(tids).size).to.equal(200);
    expect(entries.find((e) => e.tid === 'conc-7')?.data).to.equal('value 7 <&> "quoted" ünïcode');
  });

  it('applies a repeated tid once, answering true for each retry and a fault for other content', async function () {
    const l = await leader();
    expect(await addEntry(l, 'dup-1', 'first')).to.equal(true);
    expect(await addEntry((l + 1) % NODES, 'dup-1', 'first')).to.equal(true);
    expect(await addEntry(l, 'dup-1', 'first')).to.equal(true);
    const other = await addEntry(l, 'dup-1', 'second').catch((e: Error) => e);
    expect(String(other)).to.match(/tid already used for another entry/);
    await settledRaftlogs();
    const matches = raftlogEntries(cluster.nodes[l].dataDir).filter((e) => e.tid === 'dup-1');
    expect(matches.map((e) => e.data)).to.deep.equal(['first']);
  });

  it('serves setVal/getVal linearizably from every node (followers forward)', async function () {
    const l = await leader();
    expect(await clients.call(ep((l + 2) % NODES), 'getVal', ['never-set'])).to.equal('');
    expect(await clients.call(ep((l + 1) % NODES), 'setVal', ['color', 'blue'])).to.equal(true);
    // Once setVal returned, every read anywhere must see it (no stale follower read).
    for (let i = 0; i < NODES; i++) expect(await clients.call(ep(i), 'getVal', ['color'])).to.equal('blue');
    expect(await clients.call(ep(l), 'setVal', ['color', 'green', 'set-tid-1'])).to.equal(true);
    // A retry of the same tid applies once; the same tid with another value is refused and applies nothing.
    expect(await clients.call(ep(l), 'setVal', ['color', 'green', 'set-tid-1'])).to.equal(true);
    const other = await clients.call(ep(l), 'setVal', ['color', 'red', 'set-tid-1']).catch((e: Error) => e);
    expect(String(other)).to.match(/tid already used for another entry/);
    for (let i = 0; i < NODES; i++) expect(await clients.call(ep(i), 'getVal', ['color'])).to.equal('green');
  });

  it('answers bad input with a fault and keeps serving', async function () {
    const port = cluster.nodes[0].port;
    const isFault = (r: { status: number; body: string }) => r.body.includes('<fault>') || (r.status >= 400 && r.status < 500);
    const cases: [string, string | Buffer][] = [
      ['malformed XML', '<?xml version="1.0"?><methodCall><methodName>isLeader</methodName><params>'],
      ['not XML at all', 'hello there'],
      ['unknown method', methodCall('launchMissiles', '')],
      ['wrong types', methodCall('addEntry', '<param><value><int>1</int></value></param><param><value><int>2</int></value></param>')],
      ['wrong arity', methodCall('getVal', '')],
      ['suspend out of range', methodCall('suspend', '<param><value><int>0</int></value></param>')],
      ['appendEntriesRPC with garbage', methodCall('appendEntriesRPC', '<param><value><string>x</string></value></param>')],
      ['requestVotesRPC with a negative term', methodCall('requestVotesRPC',
        '<param><value><int>-5</int></value></param><param><value><string>127.0.0.1:1</string></value></param>' +
        '<param><value><int>0</int></value></param><param><value><int>0</int></value></param>')],
    ];
    for (const [what, body] of cases) {
      const r = await rawPost(port, body);
      expect(isFault(r), `${what}: got HTTP ${r.status} ${r.body.slice(0, 200)}`).to.equal(true);
    }
    // Oversize: the server must refuse without buffering it all (a fault, a 413, or a closed connection are all fine).
    const huge = methodCall('addEntry', `<param><value><string>t</string></value></param><param><value><string>${'x'.repeat(12 * 1024 * 1024)}</string></value></param>`);
    const big = await rawPost(port, huge).catch((err: Error) => ({ status: 0, body: err.message }));
    expect(big.status === 0 || isFault(big), `oversize: got HTTP ${big.status}`).to.equal(true);
    expect(typeof (await clients.call(ep(0), 'isLeader'))).to.equal('boolean');
    const l = await leader();
    expect(await addEntry(0, 'after-bad-input', 'still serving')).to.equal(true);
    expect(l).to.be.a('number');
  });

  it('lets a follower suspended longer than an election timeout rejoin without changing the leader or its term', async function () {
    const l = await cluster.waitForLeader(20_000);
    const f = (l.index + 1) % NODES;
    // suspend is an admin call (issue 12): it carries the local cluster's admin token.
    const admin = new RpcClient('127.0.0.1', cluster.nodes[f].port, cluster.security.clientOptions(true));
    expect(await admin.call('suspend', [2])).to.equal(true);
    admin.close();
    // While it is away (2 s, several election timeouts), the others keep committing.
    await new Promise((r) => setTimeout(r, 300));
    for (let k = 0; k < 5; k++) expect(await addEntry(l.index, `during-suspend-${k}`, 'x')).to.equal(true);
    const target = (await cluster.status(l.index))!.commitIndex;
    const back = await waitUntil('the suspended follower to catch up', 20_000, async () => {
      const s = await cluster.status(f, 500);
      return s !== null && s.lastApplied >= target ? s : undefined;
    });
    expect(back.role).to.equal('follower');
    const now = await cluster.waitForLeader(20_000);
    expect(now.id).to.equal(l.id);
    expect(now.term).to.equal(l.term);
    expect(back.term).to.equal(l.term);
  });

  it('survives kill -9 of the leader: a new leader commits, nothing acknowledged is lost, the old leader catches up', async function () {
    const old = await cluster.waitForLeader(20_000);
    // Writes in flight while the leader dies: whatever was acknowledged must survive.
    const inflight = Array.from({ length: 20 }, (_, k) =>
      addEntry((old.index + 1 + (k % (NODES - 1))) % NODES, `around-kill-${k}`, 'y').catch(() => false),
    );
    await new Promise((r) => setTimeout(r, 20));
    const killedAt = Date.now();
    await cluster.kill(old.index, 'SIGKILL');
    const next = await cluster.waitForLeader(20_000, [old.index]);
    expect(next.index).to.not.equal(old.index);
    expect(next.term).to.be.greaterThan(old.term);
    expect(await addEntry(next.index, 'after-kill', 'z')).to.equal(true);
    this.test!.title += ` (new commit ${Date.now() - killedAt} ms after the kill)`;
    await Promise.all(inflight);

    await cluster.restart(old.index);
    const logs = await settledRaftlogs();
    expect(logs).to.have.length(NODES);
    for (const log of logs) expect(log).to.equal(logs[0]);
    const committed = new Map(raftlogEntries(cluster.nodes[old.index].dataDir).map((e) => [e.tid, e.data]));
    for (const [tid, data] of acknowledged) expect(committed.get(tid), `acknowledged ${tid}`).to.equal(data);
  });
});
