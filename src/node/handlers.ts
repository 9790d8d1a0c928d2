// The XML-RPC methods a node serves (DESIGN.md §1), mapping wire parameters to the runtime. Every parameter is
// checked here, so bad input always becomes a fault that names the problem, never a hang or a crash.
import { randomUUID } from 'node:crypto';
import { decodeAppendRequest, decodeTimeoutNow, decodeVoteRequest, encodeAppendResponse, encodeVoteResponse } from '../rpc/codec.js';
import { RpcFault, type RpcCallContext, type RpcHandler } from '../rpc/server.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { xmlTextBytes } from '../util/xml-size.js';
import { FAULT } from '../protocol/faults.js';
import { leaderHint } from '../protocol/leader-hint.js';
import { isNodeRole, type StatusAnswer } from '../protocol/status.js';
import { makeObserveHandlers, statusExtras } from './observe-handlers.js';
import type { ClientOps } from './client-ops.js';
import { MAX_ENTRY_WIRE_BYTES } from './node-setup.js';
import { MembershipRefusedError, NotLeaderError, SuspendedError, TidConflictError, TransferRefusedError, type NodeRuntime } from './runtime.js';
import { TimeoutError } from './pending-requests.js';

export const MAX_SUSPEND_SECONDS = 3600;

/** How long addMember/removeMember wait for a learner to catch up and each change to commit. */
const MEMBER_TIMEOUT_MS = 30_000;

function confAnswer(c: { voters: string[]; learners: string[] }): XmlRpcValue {
  return { voters: c.voters, learners: c.learners };
}

/** The running node; null while it is still starting (the server is up before storage is opened). */
export interface NodeServices {
  runtime: NodeRuntime;
  ops: ClientOps;
}

function arity(method: string, params: XmlRpcValue[], min: number, max: number, shape: string): void {
  if (params.length < min || params.length > max) {
    throw new RpcFault(FAULT.badParams, `${method} takes ${shape}; got ${params.length} parameter(s)`);
  }
}

function str(method: string, params: XmlRpcValue[], i: number, name: string): string {
  const v = params[i];
  if (typeof v !== 'string') throw new RpcFault(FAULT.badParams, `${method}: parameter ${i + 1} (${name}) must be a string`);
  return v;
}

/**
 * A tid: a string, or an int taken as its decimal string (the ancestor system's client sends `addEntry(0, "test")`).
 */
function tidParam(method: string, params: XmlRpcValue[], i: number): string {
  const v = params[i];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string') throw new RpcFault(FAULT.badParams, `${method}: parameter ${i + 1} (tid) must be a string or an int`);
  return v;
}

/**
 * What an entry will cost on the wire is bounded at the door, so everything accepted fits in an appendEntriesRPC a
 * follower takes (2.2 MB of '>' was once accepted, became 8.8 MB of '&gt;' and was refused by every follower).
 */
function checkEntrySize(method: string, ...parts: string[]): void {
  const bytes = parts.reduce((n, s) => n + xmlTextBytes(s), 0);
  if (bytes > MAX_ENTRY_WIRE_BYTES) {
    throw new RpcFault(FAULT.badParams, `${method}: the entry is ${bytes} bytes as XML text; the limit is ${MAX_ENTRY_WIRE_BYTES}`);
  }
}

function optBool(method: string, params: XmlRpcValue[], i: number, name: string): boolean {
  if (params.length <= i) return false;
  const v = params[i];
  if (typeof v !== 'boolean') throw new RpcFault(FAULT.badParams, `${method}: parameter ${i + 1} (${name}) must be a boolean`);
  return v;
}

/** Turns the runtime's failures into faults a client can act on (retry elsewhere, retry later). */
function asFault(err: unknown): never {
  if (err instanceof RpcFault) throw err;
  if (err instanceof NotLeaderError) throw new RpcFault(FAULT.notLeader, err.message);
  if (err instanceof TidConflictError) throw new RpcFault(FAULT.badParams, err.message);
  if (err instanceof TransferRefusedError || err instanceof MembershipRefusedError) throw new RpcFault(FAULT.conflict, err.message);
  if (err instanceof SuspendedError || err instanceof TimeoutError) throw new RpcFault(FAULT.unavailable, err.message);
  throw new RpcFault(FAULT.internal, err instanceof Error ? err.message : String(err));
}

export function makeHandlers(services: () => NodeServices | null): Record<string, RpcHandler> {
  const need = (): NodeServices => {
    const s = services();
    if (s === null) throw new RpcFault(FAULT.unavailable, 'node is starting');
    return s;
  };
  const guarded =
    (fn: (params: XmlRpcValue[], s: NodeServices, call: RpcCallContext) => Promise<XmlRpcValue> | XmlRpcValue): RpcHandler =>
    async (params, call) => {
      try {
        return await fn(params, need(), call);
      } catch (err) {
        asFault(err);
      }
    };

  const requestVotes = guarded(async (params, { runtime }) => {
    const req = decodeVoteRequest(params, runtime.id);
    return encodeVoteResponse(await runtime.handlePeerRequest(req));
  });

  return {
    ...makeObserveHandlers((fn) => guarded((params, { runtime }) => fn(params, runtime))),
    requestVotesRPC: requestVotes,
    // The ancestor system spelled it in the singular; both are served.
    requestVoteRPC: requestVotes,

    appendEntriesRPC: guarded(async (params, { runtime }, call) => {
      const req = decodeAppendRequest(params, runtime.id);
      // Remember which leader talks on this connection: when all of them close at once, it has probably died.
      call.tagSender(req.from);
      return encodeAppendResponse(await runtime.handlePeerRequest(req));
    }),

    // Leadership transfer (thesis §3.10): the leader tells this node to campaign now. One way; true means stepped.
    timeoutNowRPC: guarded((params, { runtime }) => {
      runtime.handlePeerMessage(decodeTimeoutNow(params, runtime.id));
      return true;
    }),

    isLeader: guarded((params, { runtime }) => {
      arity('isLeader', params, 0, 0, 'no parameters');
      return runtime.isLeader();
    }),

    getLeader: guarded((params, { runtime }): XmlRpcValue => {
      arity('getLeader', params, 0, 0, 'no parameters');
      return leaderHint(runtime.leader());
    }),

    status: guarded((params, { runtime }) => {
      arity('status', params, 0, 0, 'no parameters');
      const st = runtime.status();
      // RuntimeStatus types the role as a string; it is the core's Role, and a role no client knows is a bug here.
      if (!isNodeRole(st.role)) throw new Error(`status: unknown role ${st.role}`);
      const answer: StatusAnswer = {
        id: st.id,
        role: st.role,
        term: st.term,
        leader: st.leader ?? '',
        commitIndex: st.commitIndex,
        lastApplied: st.lastApplied,
        lastLogIndex: st.lastLogIndex,
        peers: st.peers,
        voters: st.voters,
        learners: st.learners,
        suspended: runtime.isSuspended(),
        ...statusExtras(runtime),
      };
      return answer;
    }),

    // addEntry(tid, data[, forwarded]): the trailing flag is set only by a follower forwarding to the leader.
    addEntry: guarded((params, { ops }) => {
      arity('addEntry', params, 2, 3, '(tid:string, data:string)');
      const tid = tidParam('addEntry', params, 0);
      const data = str('addEntry', params, 1, 'data');
      checkEntrySize('addEntry', tid, data);
      // An empty tid cannot be deduplicated (and would match a no-op's); give it a unique one.
      return ops.addEntry(tid === '' ? `add-${randomUUID()}` : tid, data, optBool('addEntry', params, 2, 'forwarded'));
    }),

    // setVal(key, value[, tid[, forwarded]]): a tid makes retries safe.
    setVal: guarded((params, { ops }) => {
      arity('setVal', params, 2, 4, '(key:string, value:string[, tid:string])');
      const key = str('setVal', params, 0, 'key');
      const value = str('setVal', params, 1, 'value');
      const tid = params.length >= 3 ? tidParam('setVal', params, 2) : '';
      checkEntrySize('setVal', key, value, tid);
      return ops.setVal(key, value, tid === '' ? undefined : tid, optBool('setVal', params, 3, 'forwarded'));
    }),

    getVal: guarded((params, { ops }) => {
      arity('getVal', params, 1, 2, '(key:string)');
      return ops.getVal(str('getVal', params, 0, 'key'), optBool('getVal', params, 1, 'forwarded'));
    }),

    // transfer(target): admin. The leader hands over to `target` (thesis §3.10) and answers the new leader's id.
    transfer: guarded(async (params, { runtime }) => {
      arity('transfer', params, 1, 1, '(target:string)');
      const target = str('transfer', params, 0, 'target');
      if (!runtime.peers.includes(target)) {
        throw new RpcFault(FAULT.badParams, `transfer: ${JSON.stringify(target).slice(0, 80)} is not a member of this cluster`);
      }
      // The core abandons a transfer after an election timeout; the new leader needs one more to be known here.
      return runtime.transfer(target, 2 * runtime.maxElectionMs);
    }),

    // Membership (admin): addMember(node[, force]) makes a node listed in cluster.json a learner, then a voter once
    // caught up; removeMember(node[, force]) takes a member out. Each answers the configuration once committed.
    addMember: guarded(async (params, { runtime }) => {
      arity('addMember', params, 1, 2, '(node:string[, force:boolean])');
      const node = str('addMember', params, 0, 'node');
      if (!runtime.peers.includes(node)) {
        throw new RpcFault(FAULT.badParams, `addMember: ${JSON.stringify(node).slice(0, 80)} is not one of the nodes in cluster.json (its keys are made for those)`);
      }
      return confAnswer(await runtime.member('add', node, MEMBER_TIMEOUT_MS, optBool('addMember', params, 1, 'force')));
    }),
    removeMember: guarded(async (params, { runtime }) => {
      arity('removeMember', params, 1, 2, '(node:string[, force:boolean])');
      const node = str('removeMember', params, 0, 'node');
      return confAnswer(await runtime.member('remove', node, MEMBER_TIMEOUT_MS, optBool('removeMember', params, 1, 'force')));
    }),
    members: guarded((params, { runtime }) => {
      arity('members', params, 0, 0, 'no parameters');
      const st = runtime.status();
      return confAnswer({ voters: st.voters, learners: st.learners });
    }),

    suspend: guarded((params, { runtime }) => {
      arity('suspend', params, 1, 1, '(seconds:int)');
      const s = params[0];
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > MAX_SUSPEND_SECONDS) {
        throw new RpcFault(FAULT.badParams, `suspend: seconds must be an int in 1..${MAX_SUSPEND_SECONDS}`);
      }
      runtime.suspend(s);
      return true;
    }),
  };
}
