// What a node's status() RPC reports, checked field by field so the CLI and tests get a typed view, not raw XML-RPC.
import { isStruct, type XmlRpcValue } from '../rpc/values.js';

export interface NodeStatus {
  id: string;
  role: string;
  term: number;
  /** '' when the node knows no leader. */
  leader: string;
  commitIndex: number;
  lastApplied: number;
  lastLogIndex: number;
  peers: string[];
  /** Reported by nodes that support suspend; false when absent. */
  suspended: boolean;
}

export function parseNodeStatus(v: XmlRpcValue, node: string): NodeStatus {
  if (!isStruct(v)) throw new Error(`status from ${node} is not a struct`);
  const str = (k: string): string => {
    const x = v[k];
    if (typeof x !== 'string') throw new Error(`status from ${node}: ${k} must be a string`);
    return x;
  };
  const int = (k: string): number => {
    const x = v[k];
    if (typeof x !== 'number') throw new Error(`status from ${node}: ${k} must be an int`);
    return x;
  };
  const peers = v.peers;
  if (!Array.isArray(peers) || !peers.every((p): p is string => typeof p === 'string')) {
    throw new Error(`status from ${node}: peers must be an array of strings`);
  }
  return {
    id: str('id'),
    role: str('role'),
    term: int('term'),
    leader: str('leader'),
    commitIndex: int('commitIndex'),
    lastApplied: int('lastApplied'),
    lastLogIndex: int('lastLogIndex'),
    peers,
    suspended: v.suspended === true,
  };
}

/** getLeader() answers {id, host, port} or {} (no leader known). */
export function parseLeaderHint(v: XmlRpcValue): string | null {
  if (!isStruct(v)) return null;
  if (typeof v.id === 'string' && v.id !== '') return v.id;
  if (typeof v.host === 'string' && typeof v.port === 'number') return `${v.host}:${v.port}`;
  return null;
}

/** "host:port" or "[v6]:port" -> parts; throws with the offending text otherwise. */
export function splitHostPort(node: string): { host: string; port: number } {
  const colon = node.lastIndexOf(':');
  const port = Number(node.slice(colon + 1));
  let host = node.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`'${node}' is not HOST:PORT`);
  }
  return { host, port };
}
