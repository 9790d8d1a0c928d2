// The Raft messages survive the wire, and a bad parameter is answered with a fault that names it.
import { expect } from 'chai';
import {
  decodeAppendRequest, decodeAppendResponse, decodeVoteRequest, decodeVoteResponse,
  encodeAppendRequest, encodeAppendResponse, encodeVoteRequest, encodeVoteResponse,
} from '../../src/rpc/codec.js';
import { decodeCall, decodeResponse, encodeCall, encodeResponse } from '../../src/rpc/wire.js';
import { FaultCode, RpcFault, type XmlRpcValue } from '../../src/rpc/values.js';
import type { AppendRequest, AppendResponse, VoteRequest, VoteResponse } from '../../src/raft/types.js';

/** Through real XML both ways, as between two nodes. */
async function overWireParams(params: XmlRpcValue[]): Promise<XmlRpcValue[]> {
  return (await decodeCall(encodeCall('m', params))).params;
}
async function overWireResult(v: XmlRpcValue): Promise<XmlRpcValue> {
  const r = await decodeResponse(encodeResponse(v));
  if (r.fault) throw new Error('unexpected fault');
  return r.value;
}

function faultOf(fn: () => unknown): RpcFault {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(RpcFault);
    return e as RpcFault;
  }
  throw new Error('expected an RpcFault');
}

describe('rpc codec: Raft messages', () => {
  const append: AppendRequest = {
    type: 'append', from: 'h:1', to: 'h:2', term: 4, prevLogIndex: 10, prevLogTerm: 3, leaderCommit: 9, seq: 17,
    entries: [
      { index: 11, term: 4, type: 'noop', tid: '', data: '', key: '' },
      { index: 12, term: 4, type: 'add', tid: 't-1', data: 'data <with> & markup', key: '' },
      { index: 13, term: 4, type: 'set', tid: 't-2', data: 'v', key: 'k' },
    ],
  };

  it('round-trips vote and append requests and responses', async () => {
    const vote: VoteRequest = { type: 'vote', from: 'h:1', to: 'h:2', term: 5, lastLogIndex: 7, lastLogTerm: 4, preVote: true };
    expect(decodeVoteRequest(await overWireParams(encodeVoteRequest(vote)), 'h:2')).to.deep.equal(vote);
    expect(decodeAppendRequest(await overWireParams(encodeAppendRequest(append)), 'h:2')).to.deep.equal(append);

    const vr: VoteResponse = { type: 'voteResp', from: 'h:2', to: 'h:1', term: 5, granted: true, preVote: true, reqId: 3 };
    expect(decodeVoteResponse(await overWireResult(encodeVoteResponse(vr)), 'h:2', 'h:1', true, 3)).to.deep.equal(vr);
    const ar: AppendResponse = {
      type: 'appendResp', from: 'h:2', to: 'h:1', term: 4, success: false, matchIndex: 0, conflictIndex: 8, conflictTerm: 2,
      lastLogIndex: 9, seq: 17,
    };
    expect(decodeAppendResponse(await overWireResult(encodeAppendResponse(ar)), 'h:2', 'h:1')).to.deep.equal(ar);
  });

  it('accepts the 4-parameter requestVotesRPC and 6-parameter appendEntriesRPC of plain clients', () => {
    expect(decodeVoteRequest([2, 'c:1', 0, 0], 'me').preVote).to.equal(false);
    expect(decodeAppendRequest([2, 'l:1', 0, 0, [], 0], 'me').seq).to.equal(0);
    expect(decodeAppendResponse({ term: 1, success: true, matchIndex: 3 }, 'a', 'b').conflictIndex).to.equal(0);
  });

  it('names the bad parameter', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => decodeVoteRequest([1, 'c', 0], 'me'), 'requestVotesRPC takes (term:int'],
      [() => decodeVoteRequest(['1', 'c', 0, 0], 'me'), 'param 1 (term) must be int, got string'],
      [() => decodeVoteRequest([1, 2, 0, 0], 'me'), 'param 2 (candidateId) must be string, got int'],
      [() => decodeVoteRequest([1, 'c', 0, 0, 'yes'], 'me'), 'param 5 (preVote) must be boolean'],
      [() => decodeVoteRequest([1, 'c', -1, 0], 'me'), 'param 3 (lastLogIndex) must be >= 0'],
      [() => decodeAppendRequest([1, 'l', 0.5, 0, [], 0], 'me'), 'param 3 (prevLogIndex) must be int, got double'],
      [() => decodeAppendRequest([1, 'l', 0, 0, {}, 0], 'me'), 'param 5 (entries) must be array of struct, got struct'],
      [() => decodeAppendRequest([1, 'l', 0, 0, ['x'], 0], 'me'), 'param 5 (entries[0]) must be struct, got string'],
      [() => decodeAppendRequest([1, 'l', 0, 0, [{ index: 1, term: 1, type: 'bogus', tid: '', data: '', key: '' }], 0], 'me'), "entries[0]).type must be noop, add, set or config, got 'bogus'"],
      [() => decodeAppendRequest([1, 'l', 0, 0, [{ index: 2, term: 1, type: 'add', tid: '', data: '', key: '' }], 0], 'me'), 'entries[0].index) must be 1'],
      [() => decodeAppendRequest([1, 'l', 0, 0, [{ index: 1, term: 1, type: 'add', data: '', key: '' }], 0], 'me'), 'entries[0]).tid must be string, got nothing'],
      [() => decodeAppendRequest([1, 'l', 0, 0, [], true], 'me'), 'param 6 (leaderCommit) must be int, got boolean'],
      [() => decodeVoteResponse([1], 'a', 'b', false), 'requestVotesRPC result must be struct, got array'],
      [() => decodeAppendResponse({ term: 1, success: 'yes', matchIndex: 0 }, 'a', 'b'), 'appendEntriesRPC result: success must be boolean'],
    ];
    for (const [fn, text] of cases) {
      const f = faultOf(fn);
      expect(f.code).to.equal(FaultCode.invalidParams);
      expect(f.message).to.contain(text);
    }
  });
});
