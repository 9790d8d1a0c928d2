// Every call the dashboard server makes to a node goes through NodeCaller.call: one place to add the admin credential
// (issue: authentication) or change transport, and one keep-alive connection pool per node.
import { RpcClient, type RpcClientOptions } from '../rpc/client.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { splitHostPort } from '../util/host-port.js';

export class NodeCaller {
  private readonly clients = new Map<string, RpcClient>();

  /** `rpcOptions`: the admin credential and CA (src/security/client-credentials.ts), so controls can suspend and isolate. */
  constructor(nodes: string[], rpcOptions: RpcClientOptions = {}) {
    for (const n of nodes) {
      const { host, port } = splitHostPort(n, 'node');
      // Two sockets: the poller's one call at a time, plus a control call that must not queue behind a slow poll.
      this.clients.set(n, new RpcClient(host, port, { ...rpcOptions, timeoutMs: 1000, maxSockets: 2, maxResponseBytes: 1 << 20 }));
    }
  }

  call(node: string, method: string, params: XmlRpcValue[], timeoutMs: number): Promise<XmlRpcValue> {
    const c = this.clients.get(node);
    if (c === undefined) return Promise.reject(new Error(`${node} is not one of the watched nodes`));
    return c.call(method, params, timeoutMs);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
