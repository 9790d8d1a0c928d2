// Asks a node for status() over XML-RPC from this machine (the deploy machine must reach the nodes' ports, as the
// client does). Any failure, including an answer that is not a well-formed status, becomes null: the status table
// then shows what ssh saw and "?" for the rest.
import { parseNodeStatus, type NodeStatus } from '../src/protocol/status.js';
import { RpcClient, type RpcClientOptions } from '../src/rpc/client.js';
import { splitHostPort } from '../src/util/host-port.js';

export async function queryNodeStatus(node: string, timeoutMs: number, opts: RpcClientOptions = {}): Promise<NodeStatus | null> {
  let client: RpcClient;
  try {
    const { host, port } = splitHostPort(node, 'node');
    client = new RpcClient(host, port, { ...opts, timeoutMs });
  } catch {
    return null;
  }
  try {
    return parseNodeStatus(await client.call('status', []), node);
  } catch {
    return null;
  } finally {
    client.close();
  }
}
