// Asks a node for status() over XML-RPC from this machine (the deploy machine must reach the nodes' ports, as the
// client does). Any failure becomes null: the status table then shows what ssh saw and "?" for the rest.
import { RpcClient } from '../src/rpc/client.js';
import type { XmlRpcValue } from '../src/rpc/values.js';

export interface NodeRpcStatus {
  id: string;
  role: string;
  term: number;
  leader: string;
  commitIndex: number;
  lastApplied: number;
}

export async function queryNodeStatus(node: string, timeoutMs: number): Promise<NodeRpcStatus | null> {
  const i = node.lastIndexOf(':');
  const client = new RpcClient(node.slice(0, i), Number(node.slice(i + 1)), { timeoutMs });
  try {
    const v: XmlRpcValue = await client.call('status', []);
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date || Buffer.isBuffer(v)) return null;
    const s = v as Record<string, XmlRpcValue>;
    const num = (x: XmlRpcValue | undefined): number => (typeof x === 'number' ? x : -1);
    const txt = (x: XmlRpcValue | undefined): string => (typeof x === 'string' ? x : '');
    return { id: txt(s.id), role: txt(s.role), term: num(s.term), leader: txt(s.leader), commitIndex: num(s.commitIndex), lastApplied: num(s.lastApplied) };
  } catch {
    return null;
  } finally {
    client.close();
  }
}
