// The consensus core's contract: what goes in (ticks, messages, proposals, read requests) and what comes out
// (a Ready: state to persist first, then messages to send, entries to apply, reads to serve).
// Everything here is plain data so the simulator, the XML-RPC transport and the storage can share it.

/** A node id is "host:port", the address its XML-RPC server listens on. */
export type NodeId = string;

/**
 * 'noop' is appended by every new leader (Raft §8); 'add' comes from addEntry; 'set' from setVal; 'config' is a
 * membership change: its data is the whole new configuration, encodeConf's canonical JSON (src/raft/conf.ts).
 */
export type EntryType = 'noop' | 'add' | 'set' | 'config';

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  /** Client transaction id; '' for no-ops. A tid already in the leader's log is never appended twice. */
  tid: string;
  /** addEntry's data, setVal's value, or a config entry's {"voters":[...],"learners":[...]}. */
  data: string;
  /** setVal's key; '' for other types. */
  key: string;
}

/** What must be durable before the node replies to anyone (Figure 2, "Persistent state on all servers"). */
export interface HardState {
  term: number;
  vote: NodeId | null;
  /** Commit index; persisted lazily (it can be recomputed), but never moves backwards. */
  commit: number;
}

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

/**
 * Messages between cores. Request messages become XML-RPC calls; response messages become their replies.
 * `reqId` is opaque to the core: a response copies it from the request it answers, so the runtime can route
 * the response to the pending XML-RPC call that carried the request.
 */
export type Message = VoteRequest | VoteResponse | AppendRequest | AppendResponse | TimeoutNow;

export interface MessageBase {
  from: NodeId;
  to: NodeId;
  term: number;
  reqId?: number;
}

/** requestVotesRPC. preVote: a trial election (§9.6 of the thesis) that changes no one's term or vote. */
export interface VoteRequest extends MessageBase {
  type: 'vote';
  preVote: boolean;
  lastLogIndex: number;
  lastLogTerm: number;
  /**
   * Set by a candidate that campaigns because its leader handed leadership over (timeoutNow). Receivers then skip
   * leader stickiness and the lease promise: the leader they would protect asked for this election and stopped
   * serving lease reads when it did (thesis §3.10, etcd's campaignTransfer). Absent means false.
   */
  transfer?: boolean;
}

export interface VoteResponse extends MessageBase {
  type: 'voteResp';
  preVote: boolean;
  granted: boolean;
}

/** appendEntriesRPC; a heartbeat is one with no entries. `seq` is echoed back and lets the leader confirm ReadIndex rounds. */
export interface AppendRequest extends MessageBase {
  type: 'append';
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  leaderCommit: number;
  seq: number;
}

export interface AppendResponse extends MessageBase {
  type: 'appendResp';
  success: boolean;
  /** On success: prevLogIndex + entries.length of the request answered (the follower's log matches up to here). */
  matchIndex: number;
  /** On failure, the fast back-off hint: the first index of the conflicting term, or lastLogIndex+1 if the log is short. */
  conflictIndex: number;
  /** On failure, the term at prevLogIndex in the follower's log, or 0 if it has no entry there. */
  conflictTerm: number;
  /** The follower's last log index, for the leader's information. */
  lastLogIndex: number;
  /** Echo of the request's seq. */
  seq: number;
}

/**
 * Leadership transfer (thesis §3.10): the leader tells a follower whose log matches its own to start an election at
 * once, without pre-vote. A request with no answer (like etcd's MsgTimeoutNow): the receiver replies to nobody.
 */
export interface TimeoutNow extends MessageBase {
  type: 'timeoutNow';
}

/** A linearizable read that is now safe: serve it once the state machine has applied `index`. */
export interface ReadState {
  ctx: number;
  index: number;
}

export interface SoftState {
  role: Role;
  leader: NodeId | null;
  term: number;
}

/**
 * One batch of work for the runtime, in this order:
 *  1. persist `entries` (append; an entry at an index <= the stored last index replaces that index and all after it)
 *     and `hardState` if present, and fsync;
 *  2. send `messages` (responses go back on the XML-RPC call whose reqId they carry);
 *  3. apply `committed` in order (write them to the raftlog, update the key-value store, wake waiting clients);
 *  4. serve `reads` once applied up to their index; fail `failedReads` (no longer leader, or never was);
 *  5. call `advance(ready)`.
 */
export interface Ready {
  softState: SoftState;
  /** Present when term, vote or commit changed since the last Ready. */
  hardState: HardState | null;
  entries: Entry[];
  messages: Message[];
  committed: Entry[];
  reads: ReadState[];
  failedReads: number[];
  /** True when entries or a changed term/vote must be fsynced before messages go out. */
  mustSync: boolean;
  /**
   * The configuration in force, present in the Ready where it changed (a config entry appended, or truncated away):
   * the runtime opens connections to new members and may drop those to nodes no longer listed. null: unchanged.
   */
  config: ConfState | null;
}

/** A cluster configuration: voters elect and count toward quorums; learners only receive the log. Sorted lists. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** One single-server membership change (thesis §4.1): a new node joins as a learner, then is promoted. */
export interface ConfChange {
  op: 'add-learner' | 'promote' | 'remove';
  node: NodeId;
}

export type ConfChangeResult =
  | { ok: true; index: number; term: number }
  | { ok: false; reason: 'not-leader'; leader: NodeId | null }
  | { ok: false; reason: 'transferring'; leader: NodeId | null; target: NodeId }
  /**
   * 'change-pending': the latest config entry (at `index`) is not committed yet; 'no-op': the configuration already
   * is so (`index`: the entry of the configuration in force, 0 for the initial one; wait for it to commit).
   */
  | { ok: false; reason: 'change-pending' | 'no-op'; index: number }
  /** 'no-term-commit': this leader has not committed an entry of its own term yet (the 2015 fix); retry shortly. */
  | { ok: false; reason: 'no-term-commit' }
  /** 'not-member': promote or remove of a node the configuration does not list; 'not-caught-up': promote too early. */
  | { ok: false; reason: 'not-member' | 'not-caught-up'; node: NodeId }
  /** The new voters would have fewer recently active members than their quorum (or none at all). */
  | { ok: false; reason: 'unsafe'; active: number; quorum: number }
  /** The request itself is malformed (unknown op, bad node id): `why` says how. */
  | { ok: false; reason: 'invalid'; why: string };

/** Read-only access to the durable log, implemented by src/storage (on disk) and by MemoryLog (tests, simulator). */
export interface LogReader {
  /** 0 when the log is empty. */
  lastIndex(): number;
  /** Term of the entry at index; 0 for index 0; throws RangeError past lastIndex. */
  term(index: number): number;
  /** Entries with lo <= index < hi, stopping early once maxBytes of data+key+tid is exceeded (at least one entry). */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /**
   * Optional index of config entries: the index of the last 'config' entry below `before`, or 0 if none. Without it
   * a restarting core reads the log backwards to find the configuration in force.
   */
  prevConfigIndex?(before: number): number;
}

/** A seeded source of randomness (the core never calls Math.random). Returns an integer in [0, n). */
export type { RandomInt } from '../util/seeded-random.js';
import type { RandomInt } from '../util/seeded-random.js';

export interface RaftConfig {
  id: NodeId;
  /**
   * The initial voters, this node included: the configuration in force until the log holds a config entry (then the
   * latest such entry is, committed or not).
   */
  peers: NodeId[];
  /** The initial learners (default none). */
  learners?: NodeId[];
  /**
   * A node joining a running cluster: its initial configuration is empty (it neither campaigns nor counts as anyone's
   * voter) until a config entry reaches its log; `peers` and `learners` are ignored.
   */
  join?: boolean;
  /** Promote refuses a learner whose log is more than this many entries behind the leader's (default 100). */
  promoteMaxLag?: number;
  /** Election timeout in ticks; each follower/candidate draws its timeout uniformly from [electionTicks, 2*electionTicks). */
  electionTicks: number;
  /** Heartbeat interval in ticks; must be well below electionTicks. */
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Replication flow control: entries per AppendRequest and AppendRequests in flight per peer. */
  maxEntriesPerAppend: number;
  maxBytesPerAppend: number;
  maxInflightAppends: number;
  random: RandomInt;
  /** How many of the most recent log entries the leader checks for a repeated tid. */
  dedupWindow: number;
  /**
   * 'index' (the default): every read confirms leadership with a heartbeat round acknowledged by a majority
   * (ReadIndex, thesis §6.4). 'lease': while its lease holds, the leader answers at its commit index at once (§6.4.1).
   */
  readMode?: 'index' | 'lease';
  /**
   * Lease mode: how long after sending a heartbeat round that a majority acknowledged the leader may still answer
   * reads alone, in its own ticks. It must be shorter than the followers' promise (electionTicks, on their clocks) by
   * the clock-drift bound: leaseTicksFor() computes it.
   */
  leaseTicks?: number;
}

/**
 * The longest safe lease for an election timeout of `electionTicks` when any two clocks' rates differ by at most a
 * factor (1 - drift) / (1 + drift). A follower keeps its promise for at least electionTicks - 1 of its own ticks after
 * the heartbeat arrives (it may tick at once); the leader's lease counts from the tick before it sent that heartbeat
 * and may overrun by one tick: (lease + 1) / rateLeader <= (electionTicks - 1) / rateFollower.
 */
export function leaseTicksFor(electionTicks: number, drift: number): number {
  return Math.floor(((electionTicks - 1) * (1 - drift)) / (1 + drift)) - 1;
}

export type ProposeResult =
  | { ok: true; index: number; term: number; duplicate: boolean }
  | { ok: false; reason: 'not-leader'; leader: NodeId | null }
  /** The tid names an entry within the dedupe window whose content differs: a client bug, refused (issue 11). */
  | { ok: false; reason: 'tid-conflict'; index: number }
  /**
   * The leader is handing leadership to `target` and takes no new entries meanwhile (at most one election timeout);
   * `leader` is this node, still leader. A retry of a tid already in the log is still answered.
   */
  | { ok: false; reason: 'transferring'; leader: NodeId | null; target: NodeId };

export type TransferResult =
  | { ok: true; target: NodeId }
  | { ok: false; reason: 'not-leader'; leader: NodeId | null }
  /** 'self': the leader is already the target; 'not-member': the target is not another voter of the configuration. */
  | { ok: false; reason: 'self' | 'not-member'; target: NodeId };

export interface CoreStatus {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId | null;
  leader: NodeId | null;
  commitIndex: number;
  lastLogIndex: number;
  /** Leader only: the voter leadership is being handed to, or null when no transfer is under way. */
  transferTarget: NodeId | null;
  /** The configuration in force (the latest config entry in this node's log, or the initial one). */
  voters: NodeId[];
  learners: NodeId[];
  /** Index of the config entry in force (0: the initial configuration); committed once commitIndex reaches it. */
  configIndex: number;
  /** Leader only: per-peer replication progress. */
  progress: { [peer: string]: { match: number; next: number; active: boolean } };
}

export const DEFAULT_RAFT_TUNING = {
  electionTicks: 15,
  heartbeatTicks: 5,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerAppend: 512,
  maxBytesPerAppend: 1 << 20,
  maxInflightAppends: 8,
  dedupWindow: 100_000,
};
