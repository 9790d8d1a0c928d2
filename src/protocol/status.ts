// The struct the `status` RPC returns (DESIGN.md §1), defined once: the node builds it with these types
// (src/node/handlers.ts) and every caller (client, dashboard, local cluster, deploy, bench, secret rotation) reads it
// through parseNodeStatus. An answer comes from the network: anything malformed is one line naming the node and the
// field, never a crash and never a half-trusted value.
import type { Role } from '../raft/types.js';
import { splitHostPort } from '../util/host-port.js';
import { isPlainStruct, shortText, wireType } from './wire-check.js';

/** The roles a node reports: the core's, and 'learner' (a non-voting member, once membership change exists). */
export type NodeRole = Role | 'learner';
const ROLES: Record<NodeRole, true> = { follower: true, precandidate: true, candidate: true, leader: true, learner: true };

export function isNodeRole(s: string): s is NodeRole {
  return Object.hasOwn(ROLES, s);
}

/** More members than any cluster has; a longer list is a broken or hostile answer. */
export const MAX_STATUS_PEERS = 1000;

export type NodeStatus = {
  id: string;
  role: NodeRole;
  term: number;
  /** '' when the node knows no leader. */
  leader: string;
  commitIndex: number;
  lastApplied: number;
  lastLogIndex: number;
  peers: string[];
  /**
   * The configuration this node has in force (issue 14): voters and learners. A node that predates membership change
   * leaves them out: then every member (id and peers) is a voter.
   */
  voters: string[];
  learners: string[];
  /** Reported by nodes that support suspend; false when absent. */
  suspended: boolean;
};

/** How the leader sees one follower (what status() reports on a leader). */
export type FollowerProgress = { id: string; match: number; next: number; active: boolean };

/** What status() adds for the dashboard (issue 15); a node that predates it leaves these out. */
export type StatusDetail = {
  /** Whom this node voted for in its term; '' none. */
  vote: string;
  /** ms since it last heard the leader; -1 when not reported. */
  leaderContactMs: number;
  /** On a leader, each follower's progress; [] elsewhere. */
  progress: FollowerProgress[];
  /** Peers the node drops messages to and from (the dashboard's isolate), and for how much longer. */
  isolatedFrom: string[];
  isolatedMs: number;
};

/** What a node sends: the status and its detail. */
export type StatusAnswer = NodeStatus & StatusDetail;

export const NO_DETAIL: StatusDetail = { vote: '', leaderContactMs: -1, progress: [], isolatedFrom: [], isolatedMs: 0 };

/** A status answer that cannot be trusted; the message is one line naming the node and the field. */
export class StatusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatusError';
  }
}

type Fields = Record<string, unknown>;

class Reader {
  constructor(
    private readonly node: string,
    private readonly where = '',
  ) {}

  bad(field: string, what: string, v: unknown): never {
    throw new StatusError(`status from ${this.node}: ${this.where}${field} must be ${what}, got ${wireType(v)}`);
  }

  str(o: Fields, k: string): string {
    const v = o[k];
    if (typeof v !== 'string') this.bad(k, 'a string', v);
    return v;
  }

  /** An index, term or duration: a whole number >= min (an XML-RPC int or a double holding one). */
  count(o: Fields, k: string, min = 0): number {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.bad(k, `a whole number >= ${min}`, v);
    return v;
  }

  bool(o: Fields, k: string): boolean {
    const v = o[k];
    if (typeof v !== 'boolean') this.bad(k, 'a boolean', v);
    return v;
  }

  /** "HOST:PORT", or '' where `emptyOk`. */
  nodeId(o: Fields, k: string, emptyOk = false): string {
    const v = this.str(o, k);
    if (v === '' && emptyOk) return v;
    this.checkId(k, v);
    return v;
  }

  nodeIds(o: Fields, k: string): string[] {
    const v = o[k];
    if (!Array.isArray(v)) this.bad(k, 'an array of "HOST:PORT" strings', v);
    if (v.length > MAX_STATUS_PEERS) throw new StatusError(`status from ${this.node}: ${this.where}${k} lists ${v.length} nodes (at most ${MAX_STATUS_PEERS})`);
    return v.map((x, i) => {
      if (typeof x !== 'string') this.bad(`${k}[${i}]`, 'a "HOST:PORT" string', x);
      this.checkId(`${k}[${i}]`, x);
      return x;
    });
  }

  private checkId(field: string, v: string): void {
    try {
      splitHostPort(v);
    } catch {
      throw new StatusError(`status from ${this.node}: ${this.where}${field} ${shortText(v)} is not HOST:PORT`);
    }
  }
}

/** Checks a status() answer field by field; `node` (whom it came from) only names it in messages. */
export function parseNodeStatus(v: unknown, node: string): NodeStatus {
  if (!isPlainStruct(v)) throw new StatusError(`status from ${node} is not a struct (got ${wireType(v)})`);
  const r: Reader = new Reader(node);
  const role = r.str(v, 'role');
  if (!isNodeRole(role)) throw new StatusError(`status from ${node}: role ${shortText(role, 20)} is not one of ${Object.keys(ROLES).join(', ')}`);
  const suspended = v.suspended;
  if (suspended !== undefined && typeof suspended !== 'boolean') r.bad('suspended', 'a boolean', suspended);
  return {
    id: r.nodeId(v, 'id'),
    role,
    term: r.count(v, 'term'),
    leader: r.nodeId(v, 'leader', true),
    commitIndex: r.count(v, 'commitIndex'),
    lastApplied: r.count(v, 'lastApplied'),
    lastLogIndex: r.count(v, 'lastLogIndex'),
    peers: r.nodeIds(v, 'peers'),
    voters: v.voters === undefined ? [r.nodeId(v, 'id'), ...r.nodeIds(v, 'peers')] : r.nodeIds(v, 'voters'),
    learners: v.learners === undefined ? [] : r.nodeIds(v, 'learners'),
    suspended: suspended === true,
  };
}

/**
 * The dashboard's part of a status() answer. A field that is absent (an older node) takes its NO_DETAIL value; one
 * that is present with the wrong shape makes the whole answer an error, like any other malformed field.
 */
export function parseStatusDetail(v: unknown, node: string): StatusDetail {
  if (!isPlainStruct(v)) throw new StatusError(`status from ${node} is not a struct (got ${wireType(v)})`);
  const r: Reader = new Reader(node);
  const has = (k: string): boolean => v[k] !== undefined;
  let progress: FollowerProgress[] = [];
  if (has('progress')) {
    const list: unknown = v.progress;
    if (!Array.isArray(list)) r.bad('progress', 'an array of structs', list);
    if (list.length > MAX_STATUS_PEERS) throw new StatusError(`status from ${node}: progress lists ${list.length} followers (at most ${MAX_STATUS_PEERS})`);
    progress = list.map((p: unknown, i) => {
      if (!isPlainStruct(p)) r.bad(`progress[${i}]`, 'a struct', p);
      const pr: Reader = new Reader(node, `progress[${i}].`);
      return { id: pr.nodeId(p, 'id'), match: pr.count(p, 'match'), next: pr.count(p, 'next'), active: pr.bool(p, 'active') };
    });
  }
  return {
    vote: has('vote') ? r.nodeId(v, 'vote', true) : NO_DETAIL.vote,
    leaderContactMs: has('leaderContactMs') ? r.count(v, 'leaderContactMs', -1) : NO_DETAIL.leaderContactMs,
    progress,
    isolatedFrom: has('isolatedFrom') ? r.nodeIds(v, 'isolatedFrom') : [],
    isolatedMs: has('isolatedMs') ? r.count(v, 'isolatedMs') : NO_DETAIL.isolatedMs,
  };
}
