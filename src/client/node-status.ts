// What a node's status() RPC reports, checked field by field so the CLI and tests get a typed view, not raw XML-RPC.
import { isStruct, type XmlRpcValue } from '../rpc/values.js';
import { HostPortError, joinHostPort, splitHostPort as splitAddress } from '../util/host-port.js';

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
  if (typeof v.host === 'string' && typeof v.port === 'number') return joinHostPort(v.host, v.port);
  return null;
}

/** "host:port" or "[v6]:port" -> parts (the project's one parser, util/host-port.ts); throws with the offending text. */
export function splitHostPort(node: string): { host: string; port: number } {
  try {
    return splitAddress(node);
  } catch (err) {
    throw new Error(`'${node}' is not HOST:PORT (${err instanceof HostPortError ? err.reason : String(err)})`);
  }
}
