// What the page is told about one node, parsed from the node's status() and logTail() answers. Everything from a node
// is checked: a field of the wrong type makes the whole answer an error line on the page, never a crash. status() is
// read by the protocol's one parser (src/protocol/status.ts); this file maps it to what the page shows.
import { parseNodeStatus, parseStatusDetail, type FollowerProgress, type NodeRole } from '../protocol/status.js';
import { isStruct, type XmlRpcValue } from '../rpc/values.js';

export type { FollowerProgress } from '../protocol/status.js';

export type PageRole = 'leader' | 'follower' | 'candidate' | 'learner' | 'down';

export interface TailEntry {
  index: number;
  term: number;
  type: string;
  committed: boolean;
  data: string;
}

export interface NodeView {
  id: string;
  /** The hook value (data-role): precandidate shows as candidate, anything unreachable as down. */
  role: PageRole;
  /** The node's own word for its role ('precandidate' included); '' when down. */
  rawRole: string;
  term: number;
  vote: string;
  leader: string;
  commitIndex: number;
  lastApplied: number;
  lastLogIndex: number;
  /** ms since this node last heard the leader's AppendEntries; -1 unknown or not applicable. */
  leaderContactMs: number;
  suspended: boolean;
  /** ms left of a suspension the dashboard asked for (the node cannot say while it is suspended). */
  suspendedMs: number;
  isolatedFrom: string[];
  isolatedMs: number;
  progress: FollowerProgress[];
  tail: TailEntry[];
  /** Why the node is shown as down ('' when up). */
  error: string;
  /** Whether the process runs (only known when the dashboard owns the processes; true otherwise). */
  running: boolean;
}

export function downView(id: string, error: string, prev: NodeView | null, running: boolean): NodeView {
  return {
    id,
    role: 'down',
    rawRole: '',
    term: prev?.term ?? 0,
    vote: prev?.vote ?? '',
    leader: '',
    commitIndex: prev?.commitIndex ?? 0,
    lastApplied: prev?.lastApplied ?? 0,
    lastLogIndex: prev?.lastLogIndex ?? 0,
    leaderContactMs: -1,
    suspended: false,
    suspendedMs: 0,
    isolatedFrom: [],
    isolatedMs: 0,
    progress: [],
    tail: prev?.tail ?? [],
    error,
    running,
  };
}

class BadAnswer extends Error {}

function field<T>(v: { [k: string]: XmlRpcValue }, k: string, check: (x: XmlRpcValue) => x is XmlRpcValue & T, what: string): T {
  const x = v[k];
  if (x === undefined || !check(x)) throw new BadAnswer(`${k} is not ${what}`);
  return x as T;
}
const isInt = (x: XmlRpcValue): x is number => typeof x === 'number' && Number.isInteger(x);
const isStr = (x: XmlRpcValue): x is string => typeof x === 'string';
const isBool = (x: XmlRpcValue): x is boolean => typeof x === 'boolean';

/** The hook value: a pre-candidate shows as a candidate. */
function pageRole(role: NodeRole): PageRole {
  return role === 'precandidate' ? 'candidate' : role;
}

/**
 * Parses status() from node `id` (the dashboard fields are optional: an older node still shows, with less detail).
 * Throws the protocol's StatusError, one line naming the field, on anything malformed.
 */
export function parseStatus(id: string, v: XmlRpcValue): Omit<NodeView, 'tail' | 'running' | 'suspendedMs'> {
  const st = parseNodeStatus(v, id);
  const detail = parseStatusDetail(v, id);
  return {
    id,
    role: pageRole(st.role),
    rawRole: st.role,
    term: st.term,
    vote: detail.vote,
    leader: st.leader,
    commitIndex: st.commitIndex,
    lastApplied: st.lastApplied,
    lastLogIndex: st.lastLogIndex,
    leaderContactMs: detail.leaderContactMs,
    suspended: st.suspended,
    isolatedFrom: detail.isolatedFrom,
    isolatedMs: detail.isolatedMs,
    progress: detail.progress,
    error: '',
  };
}

export function parseTail(v: XmlRpcValue): TailEntry[] {
  if (!Array.isArray(v)) throw new BadAnswer('logTail answer is not an array');
  return v.slice(0, 200).map((e) => {
    if (!isStruct(e)) throw new BadAnswer('logTail entry is not a struct');
    return {
      index: field<number>(e, 'index', isInt, 'an int'),
      term: field<number>(e, 'term', isInt, 'an int'),
      type: field<string>(e, 'type', isStr, 'a string').slice(0, 16),
      committed: field<boolean>(e, 'committed', isBool, 'a boolean'),
      data: field<string>(e, 'data', isStr, 'a string').slice(0, 64),
    };
  });
}
