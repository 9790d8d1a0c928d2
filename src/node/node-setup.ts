// Derived settings of a node: the core's RaftConfig (with a randomness seed from the OS) and the runtime's bounds,
// all computed from the cluster configuration in one place.
import { randomBytes } from 'node:crypto';
import { DEFAULT_RAFT_TUNING, leaseTicksFor, type NodeId, type RaftConfig } from '../raft/types.js';
import { seededRandom } from '../util/seeded-random.js';
import { tickSettings, type ClusterConfig } from '../protocol/cluster-config.js';

/**
 * Largest client entry (tid, data and key as XML text). With batches bounded by the same measure
 * (RaftConfig.maxBytesPerAppend, 1 MiB), an appendEntriesRPC carries at most 2 MiB of entry text plus the XML around
 * at most 512 entries, well inside MAX_BODY_BYTES: whatever a node accepts, its followers accept too.
 */
export const MAX_ENTRY_WIRE_BYTES = 1 << 20;

/** Largest XML-RPC body a node accepts: a full appendEntriesRPC batch (see above) plus XML overhead, with room. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Largest body of a client call: one entry at MAX_ENTRY_WIRE_BYTES plus its XML, with room. */
export const MAX_CLIENT_BODY_BYTES = 2 * 1024 * 1024;

export interface NodeTiming {
  tickMs: number;
  /** The longest randomized election timeout (2 * electionTimeoutMs). */
  maxElectionMs: number;
  /** How long a write waits for commit before answering false. */
  commitTimeoutMs: number;
}

export function timing(cfg: ClusterConfig): NodeTiming {
  const maxElectionMs = 2 * cfg.electionTimeoutMs;
  // Long enough to ride out an election or two (the entry may still commit under the new leader).
  return { tickMs: cfg.tickMs, maxElectionMs, commitTimeoutMs: Math.max(3000, 5 * maxElectionMs) };
}

/**
 * `join`: start with no configuration (not a voter: neither votes nor campaigns) until the leader's log gives this node
 * one; a node not among cluster.json's initialVoters always starts so.
 */
export function buildRaftConfig(id: NodeId, cfg: ClusterConfig, join = false): RaftConfig {
  const t = tickSettings(cfg);
  // The core is deterministic given its seed; each process draws a fresh one so nodes time out differently.
  const seed = randomBytes(4).readUInt32LE(0);
  return {
    ...DEFAULT_RAFT_TUNING,
    id,
    peers: cfg.initialVoters,
    join: join || !cfg.initialVoters.includes(id),
    electionTicks: t.electionTicks,
    heartbeatTicks: t.heartbeatTicks,
    dedupWindow: cfg.dedupWindow,
    readMode: cfg.readMode,
    leaseTicks: cfg.readMode === 'lease' ? leaseTicksFor(t.electionTicks, cfg.clockDrift) : undefined,
    random: seededRandom(seed),
  };
}
