// What the load generator needs from a system under test: three operations and a way to close. Our cluster and etcd
// each implement it with a leader-following client; the workloads are written once against this interface.

export interface OpOutcome {
  /** The operation was acknowledged (a write committed, a read answered). */
  ok: boolean;
  /** performance.now() when the attempt that succeeded (or the last one) was sent; failover timing needs it. */
  sentAt: number;
  attempts: number;
  /** The member the last attempt went to (the one that acknowledged, when ok). */
  node: string | null;
}

export interface KvClient {
  /** Our addEntry; etcd has no log append, so its client maps it to a put of a fresh key. */
  add(tid: string, data: string): Promise<OpOutcome>;
  /** Our setVal (with tid, so a retry applies once); etcd's put. */
  set(key: string, value: string, tid: string): Promise<OpOutcome>;
  /** Our linearizable getVal; etcd's linearizable range (serializable=false, its default). */
  get(key: string): Promise<OpOutcome>;
  /** The node the client currently sends to. */
  currentLeader(): string | null;
  close(): void;
}

export type SystemKind = 'raft' | 'etcd';

/**
 * How a system is driven: ours through the project's client library or the npm `xmlrpc` package (what a user of any
 * XML-RPC library sends); etcd through its JSON gateway or its native gRPC interface (npm `etcd3`).
 */
export type ClientKind = 'raft-lib' | 'raft-xmlrpc' | 'etcd-json' | 'etcd-grpc';

export const CLIENT_LABELS: Record<ClientKind, string> = {
  'raft-lib': 'our client library',
  'raft-xmlrpc': 'npm xmlrpc client',
  'etcd-json': 'JSON gateway',
  'etcd-grpc': 'gRPC (npm etcd3)',
};

/** Serializable description of a client, so client threads can build their own. */
export interface ClientSpec {
  system: SystemKind;
  client: ClientKind;
  /** "host:port" of every member's client endpoint. */
  endpoints: string[];
  /** Connections per member: at least the number of requests this client keeps in flight. */
  maxSockets: number;
  /** Bound on one attempt. */
  attemptTimeoutMs: number;
  /** Bound on one operation, retries and leader discovery included. */
  opDeadlineMs: number;
  /** Our cluster's client credential and CA when it requires them (--security deployed). */
  rpc?: { auth?: { user: string; password: string }; ca?: string };
}
