// Builds the bench client a spec describes (in the main thread or in a client thread).
import { EtcdBenchClient } from './etcd-bench-client.js';
import type { ClientSpec, KvClient } from './kv-client.js';
import { RaftBenchClient } from './raft-bench-client.js';

export function makeClient(spec: ClientSpec): KvClient {
  return spec.system === 'raft' ? new RaftBenchClient(spec) : new EtcdBenchClient(spec);
}
