// XML-RPC methods for watching and poking a node (the dashboard, issue 15): cheap reads of what status() leaves out
// and two self-ending faults. Registered next to the core methods by handlers.ts; parameters are checked here.
//   logTail(n)                 -> [{index, term, type, committed, data}] the last n (1..200) entries, oldest first
//   isolate(peers[], seconds)  -> true: drop messages to and from those peers for 1..3600 s ([] ends it now)
//   campaign()                 -> the role the node moved to after its election timer was made to expire
import { FAULT } from '../protocol/faults.js';
import type { StatusDetail } from '../protocol/status.js';
import { RpcFault, type RpcHandler } from '../rpc/server.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { MAX_ISOLATE_SECONDS } from './fault-injection.js';
import type { NodeRuntime } from './runtime.js';

export const MAX_LOG_TAIL = 200;
/** Entry data shown on a strip is a hint, not the value: bounded so a 1 MB entry does not ride every poll. */
const DATA_PREVIEW_CHARS = 24;

type Guard = (fn: (params: XmlRpcValue[], runtime: NodeRuntime) => XmlRpcValue) => RpcHandler;

function bad(msg: string): never {
  throw new RpcFault(FAULT.badParams, msg);
}

/** What status() adds for the dashboard: vote, ms since leader contact, the leader's view of each follower. */
export function statusExtras(runtime: NodeRuntime): StatusDetail {
  const { core, leaderContactMs } = runtime.observe();
  const iso = runtime.isolation.current();
  return {
    vote: core.vote ?? '',
    // An XML-RPC int is 32 bits; nobody waits 24 days for a leader, but a field must never fail to encode. Below 0
    // is "unknown" (-1), also after the wall clock stepped back.
    leaderContactMs: leaderContactMs < 0 ? -1 : Math.min(leaderContactMs, 0x7fffffff),
    progress: Object.entries(core.progress).map(([id, p]) => ({ id, match: p.match, next: p.next, active: p.active })),
    isolatedFrom: iso.peers,
    isolatedMs: iso.remainingMs,
  };
}

export function makeObserveHandlers(guard: Guard): Record<string, RpcHandler> {
  return {
    logTail: guard((params, runtime) => {
      const n = params[0];
      if (params.length !== 1 || typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LOG_TAIL) {
        bad(`logTail takes (n:int) with n in 1..${MAX_LOG_TAIL}`);
      }
      const commit = runtime.status().commitIndex;
      return runtime.logTail(n).map((e) => ({
        index: e.index,
        term: e.term,
        type: e.type,
        committed: e.index <= commit,
        data: (e.type === 'set' ? `${e.key}=${e.data}` : e.data).slice(0, DATA_PREVIEW_CHARS),
      }));
    }),

    isolate: guard((params, runtime) => {
      const [peers, seconds] = params;
      if (params.length !== 2 || !Array.isArray(peers)) bad('isolate takes (peers:array of "HOST:PORT", seconds:int)');
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_ISOLATE_SECONDS) {
        bad(`isolate: seconds must be an int in 1..${MAX_ISOLATE_SECONDS}`);
      }
      const ids: string[] = [];
      for (const p of peers) {
        if (typeof p !== 'string' || !runtime.peers.includes(p) || p === runtime.id) {
          bad(`isolate: ${JSON.stringify(p).slice(0, 80)} is not another member of this cluster`);
        }
        ids.push(p);
      }
      runtime.isolation.isolate(ids, seconds);
      return true;
    }),

    campaign: guard((params, runtime) => {
      if (params.length !== 0) bad('campaign takes no parameters');
      try {
        return runtime.campaign();
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('campaign:')) throw new RpcFault(FAULT.conflict, err.message);
        throw err;
      }
    }),
  };
}
