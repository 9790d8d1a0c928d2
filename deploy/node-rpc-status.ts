// Asks a node for status() over XML-RPC from this machine (the deploy machine must reach the nodes' ports, as the
// client does). Any failure, including an answer that is not a well-formed status, becomes null: the status table
// then shows what ssh saw and "?" for the rest.
import { parseNodeStatus, type NodeStatus } from '../src/client/node-status.js';
import { RpcClient, type RpcClientOptions } from '../src/rpc/client.js';

export type NodeRpcStatus = NodeStatus;

export async function queryNodeStatus(node: string, timeoutMs: number, opts: RpcClientOptions = {}): Promise<NodeRpcStatus | null> {
  const i = node.lastIndexOf(':');
  const client = new RpcClient(node.slice(0, i), Number(node.slice(i + 1)), { ...opts, timeoutMs });
  try {
    return parseNodeStatus(await client.call('status', []), node);
  } catch {
    return null;
  } finally {
    client.close();
  }
}
