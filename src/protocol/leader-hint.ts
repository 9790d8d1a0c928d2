// The struct getLeader() returns: {id, host, port} of the leader a node knows, or {} when it knows none
// (DESIGN.md §1). host and port are there for clients that do not split ids; id is what this project reads.
import { joinHostPort, splitHostPort } from '../util/host-port.js';
import { isPlainStruct } from './wire-check.js';

export type LeaderHint = { id: string; host: string; port: number } | Record<string, never>;

/** The answer for a node that knows `leader` (a validated member id) or none. */
export function leaderHint(leader: string | null): LeaderHint {
  if (leader === null) return {};
  const { host, port } = splitHostPort(leader, 'leader');
  return { id: leader, host, port };
}

/**
 * The leader a getLeader() answer names, or null for {} and for anything that is not a well-formed hint: a hint only
 * steers where the client asks next (it then asks that node itself), so a bad one is ignored, not an error.
 */
export function parseLeaderHint(v: unknown): string | null {
  if (!isPlainStruct(v)) return null;
  const id = typeof v.id === 'string' && v.id !== '' ? v.id : typeof v.host === 'string' && typeof v.port === 'number' ? joinHostPort(v.host, v.port) : null;
  if (id === null) return null;
  try {
    splitHostPort(id);
    return id;
  } catch {
    return null;
  }
}
