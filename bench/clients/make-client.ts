// Builds the bench client a spec describes (in the main thread or in a client thread).
import { EtcdBenchClient } from './etcd-bench-client.js';
import { EtcdGrpcBenchClient } from './etcd-grpc-client.js';
import type { ClientSpec, KvClient } from './kv-client.js';
import { RaftBenchClient } from './raft-bench-client.js';
import { StockXmlrpcBenchClient } from './stock-xmlrpc-client.js';

export function makeClient(spec: ClientSpec): KvClient {
  switch (spec.client) {
    case 'raft-lib':
      return new RaftBenchClient(spec);
    case 'raft-xmlrpc':
      return new StockXmlrpcBenchClient(spec);
    case 'etcd-json':
      return new EtcdBenchClient(spec);
    case 'etcd-grpc':
      return new EtcdGrpcBenchClient(spec);
  }
}
