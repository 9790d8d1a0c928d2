// status() answers come from the network: the one parser (src/protocol/status.ts) turns a well-formed answer into a
// typed status and anything else into one line naming the node and the field, never a crash or a half-read value.
// The last case sends malformed answers over real XML-RPC to the client library and the dashboard's parser.
import { expect } from 'chai';
import { RaftClient } from '../../src/client/raft-client.js';
import { parseStatus } from '../../src/dashboard/node-view.js';
import { parseLeaderHint } from '../../src/protocol/leader-hint.js';
import { MAX_STATUS_PEERS, parseNodeStatus, parseStatusDetail, StatusError } from '../../src/protocol/status.js';
import { RpcClient } from '../../src/rpc/client.js';
import { startRpcServer, type RpcServer } from '../../src/rpc/server.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { silentLogger } from '../../src/util/logger.js';

const good = {
  id: '10.0.0.1:8000', role: 'follower', term: 3, leader: '10.0.0.2:8000', commitIndex: 5, lastApplied: 5, lastLogIndex: 6,
  peers: ['10.0.0.2:8000', '[fd00::3]:8000'], suspended: false,
  vote: '10.0.0.2:8000', leaderContactMs: 40, progress: [{ id: '10.0.0.2:8000', match: 5, next: 6, active: true }],
  isolatedFrom: [], isolatedMs: 0,
};

function refusal(v: unknown, parse: (v: unknown, node: string) => unknown = parseNodeStatus): string {
  try {
    parse(v, 'n1:1');
  } catch (err) {
    expect(err).to.be.instanceOf(StatusError);
    const msg = (err as Error).message;
    expect(msg, 'one line').to.not.match(/[\n\r]/);
    expect(msg.length, 'short').to.be.below(300);
    return msg;
  }
  throw new Error(`accepted: ${JSON.stringify(v).slice(0, 100)}`);
}

describe('status struct parser', () => {
  it('reads a well-formed answer, and one from a node that reports neither suspended nor the detail', () => {
    expect(parseNodeStatus(good, 'n1:1')).to.deep.equal({
      id: '10.0.0.1:8000', role: 'follower', term: 3, leader: '10.0.0.2:8000', commitIndex: 5, lastApplied: 5, lastLogIndex: 6,
      peers: ['10.0.0.2:8000', '[fd00::3]:8000'], suspended: false,
      // A node that predates membership change reports no configuration: every member is then a voter.
      voters: ['10.0.0.1:8000', '10.0.0.2:8000', '[fd00::3]:8000'], learners: [],
    });
    const withConf = { ...good, voters: ['10.0.0.1:8000', '10.0.0.2:8000'], learners: ['[fd00::3]:8000'] };
    const parsed = parseNodeStatus(withConf, 'n1:1');
    expect([parsed.voters, parsed.learners]).to.deep.equal([withConf.voters, withConf.learners]);
    expect(() => parseNodeStatus({ ...good, voters: [7] }, 'n1:1')).to.throw(/voters/);
    expect(() => parseNodeStatus({ ...good, learners: 'x' }, 'n1:1')).to.throw(/learners/);
    const { suspended: _s, vote: _v, leaderContactMs: _l, progress: _p, isolatedFrom: _i, isolatedMs: _m, ...old } = good;
    expect(parseNodeStatus({ ...old, leader: '' }, 'n1:1')).to.include({ leader: '', suspended: false });
    expect(parseStatusDetail(old, 'n1:1')).to.deep.equal({ vote: '', leaderContactMs: -1, progress: [], isolatedFrom: [], isolatedMs: 0 });
    expect(parseStatusDetail(good, 'n1:1').progress).to.deep.equal(good.progress);
  });

  it('refuses malformed answers with one line naming the node and the field', () => {
    const cases: [unknown, string][] = [
      ['x', 'status from n1:1 is not a struct (got string)'],
      [[good], 'status from n1:1 is not a struct (got array)'],
      [new Date(0), 'status from n1:1 is not a struct (got dateTime)'],
      [Buffer.from('status'), 'status from n1:1 is not a struct (got base64)'],
      [null, 'status from n1:1 is not a struct (got object)'],
      [{}, 'status from n1:1: role must be a string, got nothing'],
      [{ ...good, role: 'king' }, 'status from n1:1: role "king" is not one of follower, precandidate, candidate, leader, learner'],
      [{ ...good, role: '__proto__' }, 'status from n1:1: role "__proto__" is not one of follower, precandidate, candidate, leader, learner'],
      [{ ...good, term: '3' }, 'status from n1:1: term must be a whole number >= 0, got string'],
      [{ ...good, term: -1 }, 'status from n1:1: term must be a whole number >= 0, got int'],
      [{ ...good, term: 1.5 }, 'status from n1:1: term must be a whole number >= 0, got double'],
      [{ ...good, commitIndex: 2 ** 60 }, 'status from n1:1: commitIndex must be a whole number >= 0, got int'],
      [{ ...good, lastApplied: NaN }, 'status from n1:1: lastApplied must be a whole number >= 0, got double'],
      [{ ...good, lastLogIndex: true }, 'status from n1:1: lastLogIndex must be a whole number >= 0, got boolean'],
      [{ ...good, id: 'nonsense' }, 'status from n1:1: id "nonsense" is not HOST:PORT'],
      [{ ...good, leader: 'a b:1' }, 'status from n1:1: leader "a b:1" is not HOST:PORT'],
      [{ ...good, leader: 'x'.repeat(100_000) }, `status from n1:1: leader "${'x'.repeat(60)}..." is not HOST:PORT`],
      [{ ...good, peers: 'a:1' }, 'status from n1:1: peers must be an array of "HOST:PORT" strings, got string'],
      [{ ...good, peers: ['a:1', 7] }, 'status from n1:1: peers[1] must be a "HOST:PORT" string, got int'],
      [{ ...good, peers: ['a:1', ['b:2']] }, 'status from n1:1: peers[1] must be a "HOST:PORT" string, got array'],
      [{ ...good, peers: Array(MAX_STATUS_PEERS + 1).fill('a:1') }, `status from n1:1: peers lists ${MAX_STATUS_PEERS + 1} nodes (at most ${MAX_STATUS_PEERS})`],
      [{ ...good, suspended: 'no' }, 'status from n1:1: suspended must be a boolean, got string'],
    ];
    for (const [v, msg] of cases) expect(refusal(v), msg).to.equal(msg);
  });

  it('refuses a malformed dashboard detail the same way (absent is fine, wrong is not)', () => {
    const cases: [unknown, string][] = [
      [{ ...good, vote: 3 }, 'status from n1:1: vote must be a string, got int'],
      [{ ...good, leaderContactMs: -2 }, 'status from n1:1: leaderContactMs must be a whole number >= -1, got int'],
      [{ ...good, progress: {} }, 'status from n1:1: progress must be an array of structs, got struct'],
      [{ ...good, progress: ['x'] }, 'status from n1:1: progress[0] must be a struct, got string'],
      [{ ...good, progress: [{ id: 'b:2', match: 'x', next: 1, active: true }] }, 'status from n1:1: progress[0].match must be a whole number >= 0, got string'],
      [{ ...good, progress: [{ id: 'b', match: 1, next: 1, active: true }] }, 'status from n1:1: progress[0].id "b" is not HOST:PORT'],
      [{ ...good, isolatedFrom: [1] }, 'status from n1:1: isolatedFrom[0] must be a "HOST:PORT" string, got int'],
      [{ ...good, isolatedMs: 'soon' }, 'status from n1:1: isolatedMs must be a whole number >= 0, got string'],
    ];
    for (const [v, msg] of cases) expect(refusal(v, parseStatusDetail), msg).to.equal(msg);
  });

  it('ignores a getLeader hint that is not a well-formed leader', () => {
    expect(parseLeaderHint({ id: 'a:1', host: 'a', port: 1 })).to.equal('a:1');
    expect(parseLeaderHint({ host: '::1', port: 8000 })).to.equal('[::1]:8000');
    expect(parseLeaderHint({})).to.equal(null);
    expect(parseLeaderHint({ id: 'not an id' })).to.equal(null);
    expect(parseLeaderHint({ host: 'a', port: 70000 })).to.equal(null);
    expect(parseLeaderHint(['a:1'])).to.equal(null);
  });

  describe('over real XML-RPC', () => {
    let server: RpcServer | null = null;
    let answer: XmlRpcValue = good;
    afterEach(async () => {
      await server?.close();
      server = null;
    });

    it('the client and the dashboard read a good answer and refuse a bad one with the same line', async () => {
      server = await startRpcServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: silentLogger, handlers: { status: async () => answer } });
      const node = `127.0.0.1:${server.port}`;
      const client = new RaftClient([node], { timeoutMs: 2000, deadlineMs: 2000 });
      const rpc = new RpcClient('127.0.0.1', server.port, { timeoutMs: 2000 });
      try {
        expect(await client.status(node)).to.include({ role: 'follower', term: 3 });
        expect(parseStatus(node, await rpc.call('status', []))).to.include({ role: 'follower', vote: '10.0.0.2:8000' });
        // [answer, message, whether the client reads that field too (it does not read the dashboard's detail)]
        for (const [bad, msg, clientReads] of [
          [{ ...good, term: 'three' }, `status from ${node}: term must be a whole number >= 0, got string`, true],
          [{ ...good, peers: [new Date(0)] }, `status from ${node}: peers[0] must be a "HOST:PORT" string, got dateTime`, true],
          [{ ...good, id: Buffer.from('a:1') }, `status from ${node}: id must be a string, got base64`, true],
          [{ ...good, progress: [{ id: 'b:2', match: 1, next: 1, active: 'yes' }] }, `status from ${node}: progress[0].active must be a boolean, got string`, false],
        ] as [XmlRpcValue, string, boolean][]) {
          answer = bad;
          expect(() => parseStatus(node, bad), msg).to.throw(StatusError, msg);
          const wire = await rpc.call('status', []);
          expect(() => parseStatus(node, wire), msg).to.throw(StatusError, msg);
          if (!clientReads) continue;
          const err = await client.status(node).then(() => null, (e: unknown) => e);
          expect(err, msg).to.be.instanceOf(StatusError);
          expect((err as Error).message).to.equal(msg);
        }
      } finally {
        client.close();
        rpc.close();
      }
    });
  });
});
