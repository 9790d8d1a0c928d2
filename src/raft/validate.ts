// Sanity checks on incoming messages. The transport guarantees types; these catch well-typed nonsense (a peer bug, a
// corrupted or hostile message) so the core can ignore it instead of corrupting its log or throwing.
import { decodeConf } from './conf.js';
import type { AppendRequest, Message } from './types.js';

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

export function hasSaneHeader(m: Message): boolean {
  return isIndex(m.term);
}

/**
 * Entries must continue prevLogIndex without gaps, with terms that never decrease and never exceed the leader's, and
 * config entries must hold a canonical configuration.
 */
export function isSaneAppend(m: AppendRequest): boolean {
  if (!isIndex(m.prevLogIndex) || !isIndex(m.prevLogTerm) || !isIndex(m.leaderCommit) || m.prevLogTerm > m.term) {
    return false;
  }
  let prevTerm = m.prevLogTerm;
  for (let k = 0; k < m.entries.length; k++) {
    const e = m.entries[k];
    if (e.index !== m.prevLogIndex + 1 + k || !isIndex(e.term) || e.term < prevTerm || e.term > m.term) return false;
    // A configuration nobody can parse would leave this node unsure who votes: refuse the whole request.
    if (e.type === 'config' && typeof decodeConf(e.data) === 'string') return false;
    prevTerm = e.term;
  }
  return true;
}
