// The cluster configuration (cluster.json, one JSON object listing every node and the cluster-wide settings) and its
// one validation. The node program refuses to start on what this refuses; the deploy inventory and the local cluster
// run the same rules before they write the file, so nothing ships a configuration a node would then refuse, and the
// operator reads the same words wherever it is caught. Reading the file and finding oneself in it stay in
// src/node/config.ts.
import { leaseTicksFor, type NodeId } from '../raft/types.js';
import { HostPortError, splitHostPort } from '../util/host-port.js';
import { nearestKey } from '../util/nearest-key.js';
import { parseSecuritySettings, type SecuritySettings } from './security-settings.js';

export interface ClusterConfig {
  /**
   * Every node that may be a member, as "host:port"; a node's id is its entry here. Members authenticate each other
   * with keys made for these nodes, so a node can only ever be added if it is listed.
   */
  nodes: NodeId[];
  /**
   * The voters of a new cluster (default: every node). Nodes not listed start outside the cluster, like a node started
   * with --join, until `member add` makes them learners and then voters (issue 14).
   */
  initialVoters: NodeId[];
  /** One core tick; timeouts below are converted to whole ticks. */
  tickMs: number;
  heartbeatMs: number;
  /** The lower bound: each election timeout is drawn from [electionTimeoutMs, 2*electionTimeoutMs). */
  electionTimeoutMs: number;
  /**
   * How many of the latest log entries a retried tid is recognised in (exactly-once holds within them). Rebuilt from
   * the log at every start, so it survives restarts; every node must use the same value.
   */
  dedupWindow: number;
  /** How the leader serves getVal: "index" (ReadIndex, a heartbeat round per batch of reads) or "lease". */
  readMode: ReadMode;
  /** Lease mode: the bound on how far two clocks' rates may differ, as a fraction (0.05: 5%). */
  clockDrift: number;
  /** TLS and client credentials (security-settings.ts); peers are authenticated regardless. */
  security: SecuritySettings;
}

export type ReadMode = 'index' | 'lease';

/** cluster.json as written: every key but "nodes" may be left out for its default. */
export type ClusterConfigFile = { nodes: string[] } & Partial<Omit<ClusterConfig, 'nodes' | 'security' | 'initialVoters'>> & {
  initialVoters?: string[];
  security?: Partial<SecuritySettings>;
};

/** The settings of cluster.json other than the member list (what the deploy inventory's "cluster" section holds). */
export type ClusterSettings = Omit<ClusterConfigFile, 'nodes'>;

/** Every key cluster.json may hold; anything else is a typo the operator must hear about, not a silent default. */
export const CLUSTER_CONFIG_KEYS = ['nodes', 'initialVoters', 'tickMs', 'heartbeatMs', 'electionTimeoutMs', 'dedupWindow', 'security', 'readMode', 'clockDrift'] as const;

export const DEFAULT_DEDUP_WINDOW = 100_000;

/** Lease mode's default bound on clock rate differences: 5%, far above what NTP-disciplined clocks drift. */
export const DEFAULT_CLOCK_DRIFT = 0.05;

export const DEFAULT_TIMING = { tickMs: 10, heartbeatMs: 50, electionTimeoutMs: 150 } as const;

/** A misconfiguration the operator must fix; the node program prints the message on one line and exits with code 2. */
export class ConfigError extends Error {
  /**
   * @param reason what is wrong without the "where: " prefix (the file name, or the inventory's "cluster"), so a
   *   caller that names the place its own way says the same thing.
   */
  constructor(
    message: string,
    readonly reason: string = message,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function refuse(where: string, reason: string): never {
  throw new ConfigError(`${where}: ${reason}`, reason);
}

/** At most 60 characters of a key, JSON-quoted, so a hostile key stays on one short line. */
function printableKey(key: string): string {
  return JSON.stringify(key.length > 60 ? key.slice(0, 60) + '...' : key);
}

function refuseUnknownKeys(obj: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = nearestKey(key, known);
    refuse(where, `unknown key ${printableKey(key)}` + (near !== null ? `; did you mean "${near}"?` : `; known keys: ${known.join(', ')}`));
  }
}

/** A value from the file, quoted for a message and cut short (a 1 MB string must not become a 1 MB line). */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 80) + '...' : s;
}

function positiveInt(raw: unknown, fallback: number, key: string, where: string): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 3_600_000) {
    refuse(where, `"${key}" must be a whole number of milliseconds (1..3600000), got ${shown(raw)}`);
  }
  return raw;
}

/** Validates the text of cluster.json; `file` only names the source in messages. */
export function parseClusterConfig(text: string, file: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    refuse(file, `not valid JSON (${(err as Error).message})`);
  }
  return validateClusterConfig(raw, file);
}

/**
 * Validates an already parsed configuration: the node program's rules, which the deploy inventory and the local
 * cluster apply before writing cluster.json. `where` starts every message.
 */
export function validateClusterConfig(raw: unknown, where: string): ClusterConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse(where, 'expected a JSON object with a "nodes" array');
  const obj = raw as Record<string, unknown>;
  refuseUnknownKeys(obj, CLUSTER_CONFIG_KEYS, where);
  const nodes = obj.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n): n is string => typeof n === 'string')) {
    refuse(where, '"nodes" must be a non-empty array of "host:port" strings');
  }
  for (const n of nodes) {
    try {
      splitHostPort(n, 'nodes');
    } catch (err) {
      if (err instanceof HostPortError) refuse(where, err.message);
      throw err;
    }
  }
  const dup = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (dup !== undefined) refuse(where, `node ${dup} is listed twice`);
  const initialVoters = obj.initialVoters === undefined ? nodes : obj.initialVoters;
  if (!Array.isArray(initialVoters) || initialVoters.length === 0 || !initialVoters.every((n): n is string => typeof n === 'string' && nodes.includes(n))) {
    refuse(where, '"initialVoters" must be a non-empty array of entries of "nodes"');
  }
  if (new Set(initialVoters).size !== initialVoters.length) refuse(where, '"initialVoters" lists a node twice');

  const tickMs = positiveInt(obj.tickMs, DEFAULT_TIMING.tickMs, 'tickMs', where);
  const heartbeatMs = positiveInt(obj.heartbeatMs, DEFAULT_TIMING.heartbeatMs, 'heartbeatMs', where);
  const electionTimeoutMs = positiveInt(obj.electionTimeoutMs, DEFAULT_TIMING.electionTimeoutMs, 'electionTimeoutMs', where);
  if (heartbeatMs < tickMs) refuse(where, `heartbeatMs (${heartbeatMs}) is shorter than tickMs (${tickMs})`);
  // Raft needs broadcast time << election timeout; twice the heartbeat is the least that still tolerates one loss.
  if (electionTimeoutMs < 2 * heartbeatMs) {
    refuse(where, `electionTimeoutMs (${electionTimeoutMs}) must be at least twice heartbeatMs (${heartbeatMs})`);
  }
  const dedupWindow = obj.dedupWindow === undefined ? DEFAULT_DEDUP_WINDOW : obj.dedupWindow;
  if (typeof dedupWindow !== 'number' || !Number.isInteger(dedupWindow) || dedupWindow < 1000 || dedupWindow > 10_000_000) {
    refuse(where, `"dedupWindow" must be a whole number of entries in 1000..10000000, got ${shown(dedupWindow)}`);
  }
  const security = parseSecuritySettings(obj.security, where, (msg) => {
    throw new ConfigError(msg, msg.startsWith(`${where}: `) ? msg.slice(where.length + 2) : msg);
  });
  const readMode = obj.readMode === undefined ? 'index' : obj.readMode;
  if (readMode !== 'index' && readMode !== 'lease') refuse(where, `"readMode" must be "index" or "lease", got ${shown(readMode)}`);
  const clockDrift = obj.clockDrift === undefined ? DEFAULT_CLOCK_DRIFT : obj.clockDrift;
  if (typeof clockDrift !== 'number' || !(clockDrift >= 0 && clockDrift <= 0.5)) {
    refuse(where, `"clockDrift" must be a fraction in 0..0.5 (0.05 = 5%), got ${shown(clockDrift)}`);
  }
  if (readMode === 'lease' && leaseTicksFor(Math.round(electionTimeoutMs / tickMs), clockDrift) < 1) {
    refuse(where, `electionTimeoutMs (${electionTimeoutMs}) leaves no lease at tickMs ${tickMs} and clockDrift ${clockDrift}`);
  }
  return { nodes, initialVoters, tickMs, heartbeatMs, electionTimeoutMs, dedupWindow, security, readMode, clockDrift };
}

/**
 * The text of cluster.json for `file`, validated first (a ConfigError naming `where` if a node would refuse it):
 * what the local cluster and the deploy scripts write.
 */
export function formatClusterConfig(file: ClusterConfigFile, where: string): string {
  validateClusterConfig(file, where);
  return JSON.stringify(file, null, 2) + '\n';
}

/**
 * Things that are legal but probably not what the operator wants, one line each. An even-sized cluster needs a larger
 * majority than the odd one below it and survives no more failures: 4 nodes tolerate 1 failure, as 3 do.
 */
export function clusterWarnings(cfg: { nodes: string[]; initialVoters?: string[] }): string[] {
  const n = (cfg.initialVoters ?? cfg.nodes).length;
  if (n % 2 !== 0) return [];
  const tolerates = Math.floor((n - 1) / 2);
  return [
    `an even-sized cluster (${n} nodes) tolerates ${tolerates} failure${tolerates === 1 ? '' : 's'}, no more than ` +
      `${n - 1} node${n - 1 === 1 ? '' : 's'} would; use an odd number of nodes`,
  ];
}

export interface TickSettings {
  tickMs: number;
  heartbeatTicks: number;
  electionTicks: number;
}

/** Converts the millisecond settings to the core's tick counts (rounded, at least one tick each). */
export function tickSettings(cfg: Pick<ClusterConfig, 'tickMs' | 'heartbeatMs' | 'electionTimeoutMs'>): TickSettings {
  const heartbeatTicks = Math.max(1, Math.round(cfg.heartbeatMs / cfg.tickMs));
  const electionTicks = Math.max(heartbeatTicks + 1, Math.round(cfg.electionTimeoutMs / cfg.tickMs));
  return { tickMs: cfg.tickMs, heartbeatTicks, electionTicks };
}
