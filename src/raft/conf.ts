// Cluster configurations (Raft thesis ch. 4): who votes, who only learns. A configuration travels in the log as the
// data of a 'config' entry, in one canonical spelling so every node's raftlog stays byte-identical; anything else
// found in such an entry (from a peer or from disk) is refused with a one-line reason, never half-understood.
import type { ConfChange, ConfState, NodeId } from './types.js';

/** Bounds on what a config entry may hold: a cluster is a handful of machines, so these only stop absurd input. */
const MAX_MEMBERS = 1024;
const MAX_ID_LENGTH = 256;

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

/** Sorted, deduplicated copies; voters win over learners when a node is listed in both. */
export function normalizeConf(voters: readonly NodeId[], learners: readonly NodeId[]): ConfState {
  const v = [...new Set(voters)].sort();
  const vs = new Set(v);
  const l = [...new Set(learners)].filter((id) => !vs.has(id)).sort();
  return { voters: v, learners: l };
}

/** The canonical data of a config entry: JSON.stringify of sorted lists, keys in this order. */
export function encodeConf(c: ConfState): string {
  return JSON.stringify({ voters: c.voters, learners: c.learners });
}

function isSortedUniqueIds(v: unknown): v is NodeId[] {
  if (!Array.isArray(v) || v.length > MAX_MEMBERS) return false;
  for (let k = 0; k < v.length; k++) {
    const id: unknown = v[k];
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return false;
    if (k > 0 && !((v[k - 1] as string) < id)) return false;
  }
  return true;
}

/** Parses a config entry's data; returns a one-line reason when it is not a canonical configuration. */
export function decodeConf(data: string): ConfState | string {
  if (data.length > MAX_MEMBERS * (MAX_ID_LENGTH + 8) + 64) return 'config data is too long';
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return 'config data is not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'config data is not a JSON object';
  const { voters, learners } = v as Record<string, unknown>;
  if (!isSortedUniqueIds(voters)) return 'config "voters" must be a sorted list of distinct non-empty ids';
  if (!isSortedUniqueIds(learners)) return 'config "learners" must be a sorted list of distinct non-empty ids';
  const vs = new Set(voters);
  if (learners.some((id) => vs.has(id))) return 'config lists a node as both voter and learner';
  if (voters.length + learners.length > MAX_MEMBERS) return `config lists more than ${MAX_MEMBERS} members`;
  const conf: ConfState = { voters, learners };
  // Same keys, same order, nothing else: another spelling would make raftlogs differ byte for byte.
  if (encodeConf(conf) !== data) return 'config data is not in canonical form {"voters":[...],"learners":[...]}';
  return conf;
}

export function isVoter(c: ConfState, id: NodeId): boolean {
  return c.voters.includes(id);
}

export function isMember(c: ConfState, id: NodeId): boolean {
  return c.voters.includes(id) || c.learners.includes(id);
}

/**
 * The configuration after one single-server change. 'no-op': the change is already so (add-learner of any member,
 * promote of a voter); 'not-member': promote or remove of a node the configuration does not list.
 */
export function applyConfChange(c: ConfState, ch: ConfChange): ConfState | 'no-op' | 'not-member' {
  switch (ch.op) {
    case 'add-learner':
      if (isMember(c, ch.node)) return 'no-op';
      return normalizeConf(c.voters, [...c.learners, ch.node]);
    case 'promote':
      if (isVoter(c, ch.node)) return 'no-op';
      if (!c.learners.includes(ch.node)) return 'not-member';
      return normalizeConf([...c.voters, ch.node], c.learners.filter((id) => id !== ch.node));
    case 'remove':
      if (!isMember(c, ch.node)) return 'not-member';
      return normalizeConf(
        c.voters.filter((id) => id !== ch.node),
        c.learners.filter((id) => id !== ch.node),
      );
  }
}
