// Membership change on real node processes (issue 14), driven the way a user drives it: `run_client member add|remove`
// with the admin token the local cluster made. cluster.json lists five nodes of which three are the initial voters;
// the other two run but stay outside until added. Under a steady write load: grow 3 -> 5, remove the leader, transfer
// to a learner-turned-voter, shrink back to 3; a removed node restarted stays out; every acknowledged write is in
// every member's raftlog exactly once and the members' raftlogs agree.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { raftlogEntries, startTestCluster, waitUntil, CLIENT_CLI, runToExit } from './helpers.js';

const runClient = (args: string[]) => runToExit(CLIENT_CLI, args, 60_000); // the timeout is a hang catcher

/** "voters: a, b\nlearners: (none)\n" -> the lists. */
function parseMembers(out: string): { voters: string[]; learners: string[] } {
  const line = (name: string): string[] => {
    const m = new RegExp(`^${name}: (.*)$`, 'm').exec(out);
    if (!m) throw new Error(`no ${name} line in ${JSON.stringify(out)}`);
    return m[1] === '(none)' ? [] : m[1].split(', ');
  };
  return { voters: line('voters'), learners: line('learners') };
}

describe('membership change on real processes (run_client member)', function () {
  this.timeout(180_000);
  let dir: string;
  let cluster: LocalCluster;
  let config: string;

  before(async () => {
    ({ dir, cluster } = await startTestCluster('raft-member-', 5, { initialVoters: 3 }));
    config = join(dir, 'cluster.json');
  });

  after(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const member = async (...args: string[]): Promise<{ voters: string[]; learners: string[] }> => {
    const r = await runClient(['--config', config, 'member', ...args]);
    expect(r.stderr, `member ${args.join(' ')}`).to.equal('');
    expect(r.code).to.equal(0);
    return parseMembers(r.stdout);
  };

  it('grows 3 -> 5, removes the leader, transfers to a new voter and shrinks to 3 under writes; nothing lost or doubled', async () => {
    const ids = cluster.nodes.map((n) => n.id);
    const first = await cluster.waitForLeader(20_000);
    expect(ids.slice(0, 3)).to.include(first.id);
    expect(await member('list')).to.deep.equal({ voters: [...ids.slice(0, 3)].sort(), learners: [] });

    const writer = new RaftClient(ids, { timeoutMs: 2000, deadlineMs: 30_000 });
    const acked: string[] = [];
    let stop = false;
    const writing = (async () => {
      for (let k = 0; k < 20_000 && !stop; k++) {
        const r = await writer.addEntry(`m${k}`, `member-w${k}`);
        if (r.ok) acked.push(r.tid);
      }
    })();
    const moreWrites = async (what: string): Promise<void> => {
      const at = acked.length;
      await waitUntil(`writes committed ${what}`, 30_000, () => (acked.length >= at + 10 ? true : undefined));
    };
    await moreWrites('before the changes');

    // Grow: each new node becomes a learner, catches up, and is promoted.
    const t0 = performance.now();
    expect((await member('add', ids[3])).voters).to.have.length(4);
    const addMs = performance.now() - t0;
    expect((await member('add', ids[4])).voters).to.have.length(5);
    await moreWrites('with five voters');

    // Remove the leader: it steps down once the configuration without it commits; another voter leads.
    const leader = await cluster.waitForLeader(20_000);
    const after = await member('remove', leader.id);
    expect(after.voters).to.have.length(4).and.not.include(leader.id);
    const next = await waitUntil('a leader among the remaining voters', 20_000, async () => {
      const l = await cluster.waitForLeader(20_000);
      return after.voters.includes(l.id) ? l : undefined;
    });
    await moreWrites('after removing the leader');

    // Transfer to a node that joined as a learner and was promoted.
    const target = [ids[3], ids[4]].find((id) => id !== next.id)!;
    const r = await runClient(['--config', config, 'transfer', target]);
    expect(r.stdout).to.equal(`leader is now ${target}\n`);
    await moreWrites('after the transfer');

    // Shrink back to three voters.
    const drop = after.voters.find((id) => id !== target)!;
    const final = await member('remove', drop);
    expect(final.voters).to.have.length(3).and.not.include(drop);
    await moreWrites('with three voters again');
    stop = true;
    await writing;
    writer.close();
    console.log(`      ${acked.length} writes acknowledged; adding a caught-up voter (learner, catch-up, promotion, both committed) took ${addMs.toFixed(0)} ms`);

    // Every acknowledged write exactly once in every final member's raftlog, and the members agree.
    const members = cluster.nodes.filter((n) => final.voters.includes(n.id));
    const logs = await waitUntil('every member holding every acknowledged write', 30_000, () => {
      const all = members.map((n) => raftlogEntries(n.dataDir));
      return all.every((es) => acked.every((tid) => es.some((e) => e.tid === tid))) ? all : undefined;
    });
    for (const es of logs) {
      const tids = es.filter((e) => e.tid.startsWith('member-w')).map((e) => e.tid);
      expect(new Set(tids).size, 'a write applied twice').to.equal(tids.length);
    }
    const shortest = Math.min(...logs.map((es) => es.length));
    expect(new Set(logs.map((es) => JSON.stringify(es.slice(0, shortest)))).size, 'members disagree').to.equal(1);
    // The configuration changes are in the raftlog too, as 'config' entries.
    expect(logs[0].filter((e) => e.type === 'config').length).to.be.at.least(6);
  });

  it('a removed node restarted stays out: no election, no change of leader or term', async () => {
    const conf = await member('list');
    const removed = cluster.nodes.find((n) => !conf.voters.includes(n.id) && !conf.learners.includes(n.id))!;
    const before = await cluster.waitForLeader(20_000);
    await cluster.kill(removed.index, 'SIGKILL');
    await cluster.restart(removed.index);
    // Several election timeouts (300 ms in these tests) for it to try anything.
    await new Promise((r) => setTimeout(r, 2000));
    const now = await cluster.waitForLeader(20_000);
    expect(now.id).to.equal(before.id);
    expect(now.term).to.equal(before.term);
    const st = await cluster.status(removed.index);
    expect(st?.role).to.not.equal('leader');
    expect(await member('list')).to.deep.equal(conf);
  });

  it('refuses a node cluster.json does not list, in one line (exit 1)', async () => {
    const r = await runClient(['--config', config, 'member', 'add', '127.0.0.1:1']);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/not one of the nodes in cluster\.json/);
  });

  it('a client started with old members follows the membership: it finds the leader after they are gone', async () => {
    const conf = await member('list');
    const leader = await cluster.waitForLeader(20_000);
    const old = conf.voters.find((v) => v !== leader.id)!;
    const other = conf.voters.find((v) => v !== leader.id && v !== old)!;
    const gone = async (id: string): Promise<void> => {
      expect((await member('remove', id)).voters).to.not.include(id);
      await cluster.kill(cluster.nodes.findIndex((n) => n.id === id), 'SIGKILL');
    };
    // It is told of one member only; its first write finds the leader and learns the configuration from it.
    const client = new RaftClient([old], { timeoutMs: 2000, deadlineMs: 20_000 });
    try {
      expect((await client.addEntry('follow-1', 'follow-1')).ok).to.equal(true);
      // Both members it has talked to leave and go away (the leader hands over as it is removed).
      await gone(old);
      await gone(leader.id);
      expect((await client.addEntry('follow-2', 'follow-2')).ok).to.equal(true);
      expect(client.knownLeader()).to.equal(other);
    } finally {
      client.close();
    }
  });
});
