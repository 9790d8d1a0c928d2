// Raft messages <-> XML-RPC parameters and results (DESIGN.md §1, contracts.md "XML-RPC wire"). Decoding checks every
// parameter and throws an RpcFault naming the bad one, so a malformed peer call is answered with a useful fault.
import type { AppendRequest, AppendResponse, Entry, EntryType, NodeId, TimeoutNow, VoteRequest, VoteResponse } from '../raft/types.js';
import { FaultCode, RpcFault, isStruct, typeName, type XmlRpcStruct, type XmlRpcValue } from './values.js';

const ENTRY_TYPES: ReadonlySet<string> = new Set<EntryType>(['noop', 'add', 'set', 'config']);

function bad(where: string, what: string, v: unknown): never {
  throw new RpcFault(FaultCode.invalidParams, `${where} must be ${what}, got ${typeName(v)}`);
}

/** Terms, indexes and seq are non-negative integers (XML-RPC int). */
function nat(v: XmlRpcValue | undefined, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(where, 'int', v);
  if (v < 0) throw new RpcFault(FaultCode.invalidParams, `${where} must be >= 0, got ${v}`);
  return v;
}

function str(v: XmlRpcValue | undefined, where: string): string {
  if (typeof v !== 'string') bad(where, 'string', v);
  return v;
}

function bool(v: XmlRpcValue | undefined, where: string): boolean {
  if (typeof v !== 'boolean') bad(where, 'boolean', v);
  return v;
}

function arity(method: string, params: XmlRpcValue[], min: number, max: number, shape: string): void {
  if (params.length < min || params.length > max) {
    throw new RpcFault(FaultCode.invalidParams, `${method} takes ${shape}; got ${params.length} parameter(s)`);
  }
}

function struct(v: XmlRpcValue, where: string): XmlRpcStruct {
  if (!isStruct(v)) bad(where, 'struct', v);
  return v;
}

// --- requestVotesRPC(term, candidateId, lastLogIndex, lastLogTerm [, preVote]) -> {term, voteGranted}

const VOTE_SHAPE = '(term:int, candidateId:string, lastLogIndex:int, lastLogTerm:int[, preVote:boolean[, transfer:boolean]])';

/** The ancestor's four parameters, then preVote, then (only when set) the leadership-transfer mark. */
export function encodeVoteRequest(m: VoteRequest): XmlRpcValue[] {
  const params: XmlRpcValue[] = [m.term, m.from, m.lastLogIndex, m.lastLogTerm, m.preVote];
  if (m.transfer === true) params.push(true);
  return params;
}

export function decodeVoteRequest(params: XmlRpcValue[], to: NodeId): VoteRequest {
  const M = 'requestVotesRPC';
  arity(M, params, 4, 6, VOTE_SHAPE);
  const req: VoteRequest = {
    type: 'vote',
    term: nat(params[0], `${M}: param 1 (term)`),
    from: str(params[1], `${M}: param 2 (candidateId)`),
    to,
    lastLogIndex: nat(params[2], `${M}: param 3 (lastLogIndex)`),
    lastLogTerm: nat(params[3], `${M}: param 4 (lastLogTerm)`),
    preVote: params.length > 4 ? bool(params[4], `${M}: param 5 (preVote)`) : false,
  };
  if (params.length > 5 && bool(params[5], `${M}: param 6 (transfer)`)) req.transfer = true;
  return req;
}

const TIMEOUT_NOW_SHAPE = '(term:int, leaderId:string)';

/** timeoutNowRPC: leadership transfer's "campaign now" (thesis §3.10); one way, answered with true. */
export function encodeTimeoutNow(m: TimeoutNow): XmlRpcValue[] {
  return [m.term, m.from];
}

export function decodeTimeoutNow(params: XmlRpcValue[], to: NodeId): TimeoutNow {
  const M = 'timeoutNowRPC';
  arity(M, params, 2, 2, TIMEOUT_NOW_SHAPE);
  return { type: 'timeoutNow', term: nat(params[0], `${M}: param 1 (term)`), from: str(params[1], `${M}: param 2 (leaderId)`), to };
}

export function encodeVoteResponse(m: VoteResponse): XmlRpcValue {
  return { term: m.term, voteGranted: m.granted };
}

/** `from` is the peer that answered, `to` this node; preVote and reqId come from the request being answered. */
export function decodeVoteResponse(v: XmlRpcValue, from: NodeId, to: NodeId, preVote: boolean, reqId?: number): VoteResponse {
  const W = 'requestVotesRPC result';
  const s = struct(v, W);
  const resp: VoteResponse = {
    type: 'voteResp',
    from,
    to,
    term: nat(s.term, `${W}: term`),
    granted: bool(s.voteGranted, `${W}: voteGranted`),
    preVote,
  };
  if (reqId !== undefined) resp.reqId = reqId;
  return resp;
}

// --- appendEntriesRPC(term, leaderId, prevLogIndex, prevLogTerm, entries, leaderCommit [, seq]) -> struct

const APPEND_SHAPE =
  '(term:int, leaderId:string, prevLogIndex:int, prevLogTerm:int, entries:array of struct, leaderCommit:int[, seq:int])';

function encodeEntry(e: Entry): XmlRpcStruct {
  return { index: e.index, term: e.term, type: e.type, tid: e.tid, data: e.data, key: e.key };
}

function decodeEntry(v: XmlRpcValue | undefined, where: string): Entry {
  if (v === undefined || !isStruct(v)) bad(where, 'struct', v);
  const type = str(v.type, `${where}.type`);
  if (!ENTRY_TYPES.has(type)) throw new RpcFault(FaultCode.invalidParams, `${where}.type must be noop, add, set or config, got '${type}'`);
  return {
    index: nat(v.index, `${where}.index`),
    term: nat(v.term, `${where}.term`),
    type: type as EntryType,
    tid: str(v.tid, `${where}.tid`),
    data: str(v.data, `${where}.data`),
    key: str(v.key, `${where}.key`),
  };
}

export function encodeAppendRequest(m: AppendRequest): XmlRpcValue[] {
  return [m.term, m.from, m.prevLogIndex, m.prevLogTerm, m.entries.map(encodeEntry), m.leaderCommit, m.seq];
}

export function decodeAppendRequest(params: XmlRpcValue[], to: NodeId): AppendRequest {
  const M = 'appendEntriesRPC';
  arity(M, params, 6, 7, APPEND_SHAPE);
  const prevLogIndex = nat(params[2], `${M}: param 3 (prevLogIndex)`);
  const list = params[4];
  if (!Array.isArray(list)) bad(`${M}: param 5 (entries)`, 'array of struct', list);
  const entries = list.map((e, i) => decodeEntry(e, `${M}: param 5 (entries[${i}])`));
  // Entries must be the consecutive indexes after prevLogIndex; anything else is a corrupt or forged call.
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].index !== prevLogIndex + 1 + i) {
      throw new RpcFault(
        FaultCode.invalidParams,
        `${M}: param 5 (entries[${i}].index) must be ${prevLogIndex + 1 + i} (prevLogIndex + ${i + 1}), got ${entries[i].index}`,
      );
    }
  }
  return {
    type: 'append',
    term: nat(params[0], `${M}: param 1 (term)`),
    from: str(params[1], `${M}: param 2 (leaderId)`),
    to,
    prevLogIndex,
    prevLogTerm: nat(params[3], `${M}: param 4 (prevLogTerm)`),
    entries,
    leaderCommit: nat(params[5], `${M}: param 6 (leaderCommit)`),
    seq: params.length > 6 ? nat(params[6], `${M}: param 7 (seq)`) : 0,
  };
}

export function encodeAppendResponse(m: AppendResponse): XmlRpcValue {
  return {
    term: m.term,
    success: m.success,
    matchIndex: m.matchIndex,
    conflictIndex: m.conflictIndex,
    conflictTerm: m.conflictTerm,
    lastLogIndex: m.lastLogIndex,
    seq: m.seq,
  };
}

/** `from` is the peer that answered, `to` this node; reqId comes from the request being answered. */
export function decodeAppendResponse(v: XmlRpcValue, from: NodeId, to: NodeId, reqId?: number): AppendResponse {
  const W = 'appendEntriesRPC result';
  const s = struct(v, W);
  const resp: AppendResponse = {
    type: 'appendResp',
    from,
    to,
    term: nat(s.term, `${W}: term`),
    success: bool(s.success, `${W}: success`),
    matchIndex: nat(s.matchIndex, `${W}: matchIndex`),
    // The hints are optional on the wire (a minimal peer may send only term and success).
    conflictIndex: s.conflictIndex === undefined ? 0 : nat(s.conflictIndex, `${W}: conflictIndex`),
    conflictTerm: s.conflictTerm === undefined ? 0 : nat(s.conflictTerm, `${W}: conflictTerm`),
    lastLogIndex: s.lastLogIndex === undefined ? 0 : nat(s.lastLogIndex, `${W}: lastLogIndex`),
    seq: s.seq === undefined ? 0 : nat(s.seq, `${W}: seq`),
  };
  if (reqId !== undefined) resp.reqId = reqId;
  return resp;
}
