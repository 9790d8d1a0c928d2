// What the client library does about each fault a node answers with (the codes: src/protocol/faults.ts).
import { FAULT, faultName } from '../protocol/faults.js';

/**
 * - fail: the request itself is wrong or not allowed (bad parameters, unknown method, unparsable, credentials,
 *   refused in this state): no retry can help, so the caller hears it at once.
 * - wait: the node is there but busy (starting, suspended, overloaded, commit timed out): keep it as the leader and
 *   back off.
 * - rediscover: not the leader, internal trouble, or a code no node of ours sends: ask every node who leads.
 */
export type FaultAction = 'fail' | 'wait' | 'rediscover';

const ACTIONS: Record<keyof typeof FAULT, FaultAction> = {
  parseError: 'fail',
  invalidRequest: 'fail',
  unknownMethod: 'fail',
  badParams: 'fail',
  internal: 'rediscover',
  unauthenticated: 'fail',
  forbidden: 'fail',
  conflict: 'fail',
  notLeader: 'rediscover',
  unavailable: 'wait',
};

export function faultAction(code: number): FaultAction {
  const name = faultName(code);
  return name === null ? 'rediscover' : ACTIONS[name];
}
