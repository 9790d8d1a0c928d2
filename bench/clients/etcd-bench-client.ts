// Bench client for etcd 3.4 through its JSON gateway (grpc-gateway on the client port): POST /v3/kv/put and
// /v3/kv/range with base64 keys and values, over keep-alive connections, straight to the leader (found with
// /v3/maintenance/status), following it like our client does. Reads are linearizable: range's default.
import http from 'node:http';
import type { ClientSpec, KvClient, OpOutcome } from './kv-client.js';
import { splitHostPort } from '../../src/util/host-port.js';
import { field, postJson } from './json-post.js';
import { LeaderFollowingClient } from './leader-following.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export interface EtcdMemberStatus {
  endpoint: string;
  memberId: string;
  leaderId: string;
  raftTerm: number;
  raftIndex: number;
  raftAppliedIndex: number;
}

/** /v3/maintenance/status of one member, or null if it does not answer in time. */
export async function etcdStatus(agent: http.Agent, endpoint: string, timeoutMs: number): Promise<EtcdMemberStatus | null> {
  const { host, port } = splitHostPort(endpoint, 'endpoint');
  try {
    const a = await postJson(agent, host, port, '/v3/maintenance/status', {}, timeoutMs);
    if (a.status !== 200) return null;
    const memberId = field(a.body, 'header', 'member_id');
    const leaderId = field(a.body, 'leader');
    // The gateway renders uint64 fields as JSON strings.
    const num = (k: string): number => Number(field(a.body, k) ?? 0);
    if (typeof memberId !== 'string') return null;
    return {
      endpoint,
      memberId,
      leaderId: typeof leaderId === 'string' ? leaderId : '0',
      raftTerm: num('raftTerm'),
      raftIndex: num('raftIndex'),
      raftAppliedIndex: num('raftAppliedIndex'),
    };
  } catch {
    return null;
  }
}

export class EtcdBenchClient extends LeaderFollowingClient implements KvClient {
  private readonly agent: http.Agent;

  constructor(spec: ClientSpec) {
    super(spec.endpoints, spec.attemptTimeoutMs, spec.opDeadlineMs);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: spec.maxSockets, maxFreeSockets: spec.maxSockets, scheduling: 'lifo' });
  }

  add(tid: string, data: string): Promise<OpOutcome> {
    // A log append has no etcd equivalent; a put of a fresh key is the closest (a new revision per call).
    return this.put(tid, data);
  }

  set(key: string, value: string): Promise<OpOutcome> {
    return this.put(key, value);
  }

  get(key: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => {
      const { host, port } = splitHostPort(leader, 'endpoint');
      const a = await postJson(this.agent, host, port, '/v3/kv/range', { key: b64(key) }, t);
      return a.status === 200 && typeof field(a.body, 'header') === 'object';
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  protected async discoverOnce(timeoutMs: number): Promise<string | null> {
    const all = await Promise.all(this.endpoints.map((ep) => etcdStatus(this.agent, ep, timeoutMs)));
    const leader = all.find((s) => s !== null && s.leaderId !== '0' && s.memberId === s.leaderId);
    return leader?.endpoint ?? null;
  }

  private put(key: string, value: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => {
      const { host, port } = splitHostPort(leader, 'endpoint');
      const a = await postJson(this.agent, host, port, '/v3/kv/put', { key: b64(key), value: b64(value) }, t);
      return a.status === 200 && typeof field(a.body, 'header') === 'object';
    });
  }
}
