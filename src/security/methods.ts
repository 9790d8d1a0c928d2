// Which XML-RPC methods need which right. One place, so that the membership, transfer and fault-injection calls other
// issues add are protected by adding their names here (and nowhere else).

/** Raft's peer-to-peer calls, and the parameter index of the member id the caller claims to be (candidateId, leaderId). */
export const PEER_METHODS: ReadonlyMap<string, number> = new Map([
  ['requestVotesRPC', 1],
  ['requestVoteRPC', 1],
  ['appendEntriesRPC', 1],
  ['timeoutNowRPC', 1],
]);

/** Calls that change a node's state outside Raft (fault injection, membership, leadership transfer): admin only. */
export const ADMIN_METHODS: ReadonlySet<string> = new Set(['suspend', 'isolate', 'campaign', 'transfer', 'addMember', 'removeMember']);

/**
 * Client calls that may travel inside system.multicall (src/rpc/multicall.ts): reads and writes, which carry only the
 * client credential of the request around them. Never a peer call (its MAC covers its own body) or an admin call.
 */
export const BATCHABLE_METHODS: ReadonlySet<string> = new Set(['addEntry', 'setVal', 'getVal']);

export type MethodClass = 'peer' | 'admin' | 'client';

/** Anything not peer or admin (client calls, and unknown names, which the server refuses anyway) is a client call. */
export function methodClass(method: string): MethodClass {
  if (PEER_METHODS.has(method)) return 'peer';
  if (ADMIN_METHODS.has(method)) return 'admin';
  return 'client';
}
