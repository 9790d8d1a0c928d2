// Bench client for etcd through its native interface: gRPC, with the npm `etcd3` client (grpc-js), as a Node user of
// etcd would write it (its default fault handling), one Etcd3 instance per member so it can send straight to the
// leader (found, like the JSON client, with /v3/maintenance/status) and follow it. Reads are linearizable: range's default.
import http from 'node:http';
import etcd3 from 'etcd3';
import type { ClientSpec, KvClient, OpOutcome } from './kv-client.js';
import { etcdStatus } from './etcd-bench-client.js';
import { LeaderFollowingClient } from './leader-following.js';

type Etcd3 = InstanceType<typeof etcd3.Etcd3>;

export class EtcdGrpcBenchClient extends LeaderFollowingClient implements KvClient {
  private readonly clients = new Map<string, Etcd3>();
  /** Only for finding the leader (a few calls at start and after failures). */
  private readonly statusAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(spec: ClientSpec) {
    super(spec.endpoints, spec.attemptTimeoutMs, spec.opDeadlineMs);
  }

  add(tid: string, data: string): Promise<OpOutcome> {
    return this.put(tid, data);
  }

  set(key: string, value: string): Promise<OpOutcome> {
    return this.put(key, value);
  }

  get(key: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => {
      const r = await this.client(leader).get(key).options({ deadline: Date.now() + t }).exec();
      return r.header !== undefined;
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.statusAgent.destroy();
  }

  protected async discoverOnce(timeoutMs: number): Promise<string | null> {
    const all = await Promise.all(this.endpoints.map((ep) => etcdStatus(this.statusAgent, ep, timeoutMs)));
    return all.find((s) => s !== null && s.leaderId !== '0' && s.memberId === s.leaderId)?.endpoint ?? null;
  }

  private put(key: string, value: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => {
      const r = await this.client(leader).put(key).value(value).options({ deadline: Date.now() + t }).exec();
      return r.header !== undefined;
    });
  }

  private client(endpoint: string): Etcd3 {
    let c = this.clients.get(endpoint);
    if (c === undefined) {
      c = new etcd3.Etcd3({ hosts: `http://${endpoint}` });
      this.clients.set(endpoint, c);
    }
    return c;
  }
}
