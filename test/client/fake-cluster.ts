// Small fake nodes for client tests: real XML-RPC servers on loopback that play leader or follower from a shared
// script, so a test can move leadership, make the leader drop or refuse calls, and see every tid that arrived.
import { startRpcServer, RpcFault, type RpcServer } from '../../src/rpc/server.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { silentLogger } from '../../src/util/logger.js';
import { FAULT } from '../../src/protocol/faults.js';
import { leaderHint } from '../../src/protocol/leader-hint.js';
import { BATCHABLE_METHODS } from '../../src/security/methods.js';
import { MAX_BATCH_CALLS } from '../../src/rpc/multicall.js';

export interface FakeCluster {
  nodes: string[];
  /** Index of the node that says it leads (null: nobody). */
  leader: number | null;
  /** What followers name in getLeader (defaults to the leader). Index, or null for {}. */
  hint: number | null | 'leader';
  /** tids of addEntry/setVal calls that reached each node, in order, retries included. */
  attempts: string[][];
  /** tids committed (once each), in order. */
  committed: string[];
  kv: Map<string, string>;
  /** The leader answers false (not committed) to this many writes before committing. */
  failWrites: number;
  /** The leader commits but drops the connection (no answer) for this many writes. */
  dropWrites: number;
  /** The leader answers this many writes with an internal-error fault before behaving. */
  internalErrors: number;
  /** The leader answers the next writes with these fault codes, one each, in order, before behaving. */
  faultQueue: number[];
  /** A follower answers writes with a "not leader" fault (true) or false (false). */
  followerFaults: boolean;
  servers: RpcServer[];
  close(): Promise<void>;
}

export async function startFakeCluster(size: number, leader: number | null): Promise<FakeCluster> {
  const fc: FakeCluster = {
    nodes: [], leader, hint: 'leader', attempts: [], committed: [], kv: new Map(), failWrites: 0, dropWrites: 0, internalErrors: 0,
    faultQueue: [], followerFaults: true, servers: [],
    async close() {
      await Promise.all(fc.servers.map((s) => s.close()));
    },
  };
  for (let i = 0; i < size; i++) {
    fc.attempts.push([]);
    const me = i;
    const isLeader = (): boolean => fc.leader === me;
    const hintFor = (): XmlRpcValue => {
      const h = fc.hint === 'leader' ? fc.leader : fc.hint;
      return leaderHint(h === null ? null : fc.nodes[h]);
    };
    /** A write as a fake leader does it: dedup by tid, like the real cluster. */
    const write = async (tid: string, apply: () => void): Promise<XmlRpcValue> => {
      fc.attempts[me].push(tid);
      if (!isLeader()) {
        if (fc.followerFaults) throw new RpcFault(FAULT.notLeader, `not the leader (${fc.nodes[me]})`);
        return false;
      }
      if (fc.dropWrites > 0) {
        // Committed, but the answer is lost: the client must retry with the same tid and get the first entry's answer.
        fc.dropWrites--;
        if (!fc.committed.includes(tid)) {
          fc.committed.push(tid);
          apply();
        }
        fc.servers[me].setPaused(true);
        setTimeout(() => fc.servers[me].setPaused(false), 50);
        return false;
      }
      const queued = fc.faultQueue.shift();
      if (queued !== undefined) throw new RpcFault(queued, `fault ${queued} from the test's queue`);
      if (fc.internalErrors > 0) {
        fc.internalErrors--;
        throw new RpcFault(FAULT.internal, 'internal: storage hiccup');
      }
      if (fc.failWrites > 0) {
        fc.failWrites--;
        return false;
      }
      if (!fc.committed.includes(tid)) {
        fc.committed.push(tid);
        apply();
      }
      return true;
    };
    const server = await startRpcServer({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1 << 20,
      logger: silentLogger,
      // As nodes serve it: RaftClient batches the writes and reads it has in flight (call-batcher.ts).
      multicall: { methods: BATCHABLE_METHODS, maxCalls: MAX_BATCH_CALLS },
      handlers: {
        isLeader: async () => isLeader(),
        getLeader: async () => (isLeader() ? leaderHint(fc.nodes[me]) : hintFor()),
        addEntry: async ([tid, data]) => write(String(tid), () => void data),
        setVal: async ([key, value, tid]) => {
          if (key === 'bad-key') {
            fc.attempts[me].push(String(tid));
            throw new RpcFault(FAULT.badParams, 'setVal: parameter 1 (key) is not acceptable');
          }
          return write(String(tid ?? `anon-${Math.random()}`), () => fc.kv.set(String(key), String(value)));
        },
        getVal: async ([key]) => {
          if (!isLeader()) throw new RpcFault(FAULT.notLeader, 'not the leader');
          return fc.kv.get(String(key)) ?? '';
        },
        status: async () => ({
          id: fc.nodes[me], role: isLeader() ? 'leader' : 'follower', term: 3, leader: fc.leader === null ? '' : fc.nodes[fc.leader],
          commitIndex: fc.committed.length, lastApplied: fc.committed.length, lastLogIndex: fc.committed.length,
          peers: fc.nodes, suspended: false,
        }),
        suspend: async ([s]) => {
          // Like the real node: pause only once the reply to this call is on its way.
          setTimeout(() => fc.servers[me].setPaused(true), 20).unref();
          setTimeout(() => fc.servers[me].setPaused(false), Math.min(Number(s) * 1000, 2000)).unref();
          return true;
        },
      },
    });
    fc.servers.push(server);
    fc.nodes.push(`127.0.0.1:${server.port}`);
  }
  return fc;
}

/** A "host:port" where nothing listens (bound then closed, so the port is free). */
export async function deadAddress(): Promise<string> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}
