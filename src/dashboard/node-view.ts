// What the page is told about one node, parsed from the node's status() and logTail() answers. Everything from a node
// is checked: a field of the wrong type makes the whole answer an error line on the page, never a crash.
import { isStruct, type XmlRpcValue } from '../rpc/values.js';

export type PageRole = 'leader' | 'follower' | 'candidate' | 'learner' | 'down';

export interface TailEntry {
  index: number;
  term: number;
  type: string;
  committed: boolean;
  data: string;
}

export interface FollowerProgress {
  id: string;
  match: number;
  next: number;
  active: boolean;
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
const isStrArray = (x: XmlRpcValue): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

function pageRole(raw: string): PageRole {
  if (raw === 'leader' || raw === 'follower' || raw === 'learner') return raw;
  if (raw === 'candidate' || raw === 'precandidate') return 'candidate';
  throw new BadAnswer(`role ${JSON.stringify(raw.slice(0, 40))} is unknown`);
}

/** Parses status() (the extra dashboard fields are optional: an older node still shows, with less detail). */
export function parseStatus(id: string, v: XmlRpcValue): Omit<NodeView, 'tail' | 'running' | 'suspendedMs'> {
  if (!isStruct(v)) throw new BadAnswer('status is not a struct');
  const rawRole = field<string>(v, 'role', isStr, 'a string');
  const progress: FollowerProgress[] = [];
  if (Array.isArray(v.progress)) {
    for (const p of v.progress.slice(0, 100)) {
      if (!isStruct(p)) throw new BadAnswer('progress entry is not a struct');
      progress.push({
        id: field<string>(p, 'id', isStr, 'a string'),
        match: field<number>(p, 'match', isInt, 'an int'),
        next: field<number>(p, 'next', isInt, 'an int'),
        active: field<boolean>(p, 'active', isBool, 'a boolean'),
      });
    }
  }
  return {
    id,
    role: pageRole(rawRole),
    rawRole,
    term: field<number>(v, 'term', isInt, 'an int'),
    vote: isStr(v.vote ?? 0) ? (v.vote as string) : '',
    leader: field<string>(v, 'leader', isStr, 'a string'),
    commitIndex: field<number>(v, 'commitIndex', isInt, 'an int'),
    lastApplied: field<number>(v, 'lastApplied', isInt, 'an int'),
    lastLogIndex: field<number>(v, 'lastLogIndex', isInt, 'an int'),
    leaderContactMs: isInt(v.leaderContactMs ?? '') ? (v.leaderContactMs as number) : -1,
    suspended: v.suspended === true,
    isolatedFrom: isStrArray(v.isolatedFrom ?? 0) ? (v.isolatedFrom as string[]).slice(0, 100) : [],
    isolatedMs: isInt(v.isolatedMs ?? '') ? (v.isolatedMs as number) : 0,
    progress,
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
