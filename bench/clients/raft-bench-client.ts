// Bench client for our cluster: the project's XML-RPC client (keep-alive, one connection per request in flight)
// straight to the leader, following it through leader changes. RaftClient would do the same job, but its discovery
// and backoff are tuned for interactive use (20 ms minimum backoff, 2 s per call); the bench wants the time to the
// next acknowledged write measured without the client's own pauses dominating it. Reads and writes are batched as
// RaftClient batches them (RpcClient's `batch` option), so the figures are those of the library as users get it.
import { RpcClient } from '../../src/rpc/client.js';
import { BATCHABLE_METHODS } from '../../src/security/methods.js';
import type { ClientSpec, KvClient, OpOutcome } from './kv-client.js';
import { splitHostPort } from '../../src/util/host-port.js';
import { LeaderFollowingClient, leaderByStatus } from './leader-following.js';

export class RaftBenchClient extends LeaderFollowingClient implements KvClient {
  private readonly rpc = new Map<string, RpcClient>();

  constructor(private readonly spec: ClientSpec) {
    super(spec.endpoints, spec.attemptTimeoutMs, spec.opDeadlineMs);
  }

  add(tid: string, data: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => (await this.client(leader).call('addEntry', [tid, data], t)) === true);
  }

  set(key: string, value: string, tid: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => (await this.client(leader).call('setVal', [key, value, tid], t)) === true);
  }

  get(key: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => typeof (await this.client(leader).call('getVal', [key], t)) === 'string');
  }

  close(): void {
    this.closed = true;
    for (const c of this.rpc.values()) c.close();
    this.rpc.clear();
  }

  /** Asks every node's status at once; the self-declared leader with the highest term wins. */
  protected discoverOnce(timeoutMs: number): Promise<string | null> {
    return leaderByStatus(this.endpoints, (ep) => this.client(ep).call('status', [], timeoutMs));
  }

  private client(endpoint: string): RpcClient {
    let c = this.rpc.get(endpoint);
    if (c === undefined) {
      const { host, port } = splitHostPort(endpoint, 'endpoint');
      c = new RpcClient(host, port, { ...this.spec.rpc, timeoutMs: this.spec.attemptTimeoutMs, maxSockets: this.spec.maxSockets, batch: BATCHABLE_METHODS });
      this.rpc.set(endpoint, c);
    }
    return c;
  }
}
