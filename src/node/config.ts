// The cluster configuration file (one JSON file listing every node) and how a node finds itself in it.
// Every problem here is the operator's to fix, so each becomes a ConfigError with a one-line message and exit code 2.
import { readFileSync } from 'node:fs';
import { leaseTicksFor, type NodeId } from '../raft/types.js';
import { bareHost, HostPortError, splitHostPort, type HostPort } from '../util/host-port.js';
import { nearestKey } from '../util/nearest-key.js';

export type { HostPort } from '../util/host-port.js';
import { parseSecuritySettings, type SecuritySettings } from '../security/settings.js';

export interface ClusterConfig {
  /** Every member, as "host:port"; a node's id is its entry here. */
  nodes: NodeId[];
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
  readMode: 'index' | 'lease';
  /** Lease mode: the bound on how far two clocks' rates may differ, as a fraction (0.05: 5%). */
  clockDrift: number;
  /** TLS and client credentials (src/security/settings.ts); peers are authenticated regardless. */
  security: SecuritySettings;
}

export const DEFAULT_DEDUP_WINDOW = 100_000;

/** Lease mode's default bound on clock rate differences: 5%, far above what NTP-disciplined clocks drift. */
export const DEFAULT_CLOCK_DRIFT = 0.05;

export const DEFAULT_TIMING = { tickMs: 10, heartbeatMs: 50, electionTimeoutMs: 150 } as const;

/** A misconfiguration the operator must fix; main prints the message on one line and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Splits "host:port" or "[ipv6]:port" (util/host-port.ts); throws ConfigError when it is not one. */
export function parseHostPort(s: string, what: string): HostPort {
  try {
    return splitHostPort(s, what);
  } catch (err) {
    if (err instanceof HostPortError) throw new ConfigError(err.message);
    throw err;
  }
}

/** Every key cluster.json may hold; anything else is a typo the operator must hear about, not a silent default. */
export const CLUSTER_CONFIG_KEYS = ['nodes', 'tickMs', 'heartbeatMs', 'electionTimeoutMs', 'dedupWindow', 'security', 'readMode', 'clockDrift'] as const;

function refuseUnknownKeys(obj: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = nearestKey(key, known);
    const printable = JSON.stringify(key.length > 60 ? key.slice(0, 60) + '...' : key);
    throw new ConfigError(
      `${where}: unknown key ${printable}` + (near !== null ? `; did you mean "${near}"?` : `; known keys: ${known.join(', ')}`),
    );
  }
}

function positiveInt(raw: unknown, fallback: number, key: string, file: string): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 3_600_000) {
    throw new ConfigError(`${file}: "${key}" must be a whole number of milliseconds (1..3600000), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** Validates the text of cluster.json; `file` only names the source in messages. */
export function parseClusterConfig(text: string, file: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return validateClusterConfig(raw, file);
}

/**
 * Validates an already parsed configuration: the node program's rules, also applied by the deploy inventory so that
 * a deploy never ships a cluster.json the nodes would refuse. `where` starts every message.
 */
export function validateClusterConfig(raw: unknown, where: string): ClusterConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where}: expected a JSON object with a "nodes" array`);
  }
  const obj = raw as Record<string, unknown>;
  refuseUnknownKeys(obj, CLUSTER_CONFIG_KEYS, where);
  const nodes = obj.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n): n is string => typeof n === 'string')) {
    throw new ConfigError(`${where}: "nodes" must be a non-empty array of "host:port" strings`);
  }
  for (const n of nodes) parseHostPort(n, `${where}: nodes`);
  const dup = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (dup !== undefined) throw new ConfigError(`${where}: node ${dup} is listed twice`);

  const tickMs = positiveInt(obj.tickMs, DEFAULT_TIMING.tickMs, 'tickMs', where);
  const heartbeatMs = positiveInt(obj.heartbeatMs, DEFAULT_TIMING.heartbeatMs, 'heartbeatMs', where);
  const electionTimeoutMs = positiveInt(obj.electionTimeoutMs, DEFAULT_TIMING.electionTimeoutMs, 'electionTimeoutMs', where);
  if (heartbeatMs < tickMs) throw new ConfigError(`${where}: heartbeatMs (${heartbeatMs}) is shorter than tickMs (${tickMs})`);
  // Raft needs broadcast time << election timeout; twice the heartbeat is the least that still tolerates one loss.
  if (electionTimeoutMs < 2 * heartbeatMs) {
    throw new ConfigError(`${where}: electionTimeoutMs (${electionTimeoutMs}) must be at least twice heartbeatMs (${heartbeatMs})`);
  }
  const dedupWindow = obj.dedupWindow === undefined ? DEFAULT_DEDUP_WINDOW : obj.dedupWindow;
  if (typeof dedupWindow !== 'number' || !Number.isInteger(dedupWindow) || dedupWindow < 1000 || dedupWindow > 10_000_000) {
    throw new ConfigError(`${where}: "dedupWindow" must be a whole number of entries in 1000..10000000, got ${JSON.stringify(dedupWindow)}`);
  }
  const security = parseSecuritySettings(obj.security, where, (msg) => {
    throw new ConfigError(msg);
  });
  const readMode = obj.readMode === undefined ? 'index' : obj.readMode;
  if (readMode !== 'index' && readMode !== 'lease') {
    throw new ConfigError(`${where}: "readMode" must be "index" or "lease", got ${JSON.stringify(readMode)}`);
  }
  const clockDrift = obj.clockDrift === undefined ? DEFAULT_CLOCK_DRIFT : obj.clockDrift;
  if (typeof clockDrift !== 'number' || !(clockDrift >= 0 && clockDrift <= 0.5)) {
    throw new ConfigError(`${where}: "clockDrift" must be a fraction in 0..0.5 (0.05 = 5%), got ${JSON.stringify(clockDrift)}`);
  }
  if (readMode === 'lease' && leaseTicksFor(Math.round(electionTimeoutMs / tickMs), clockDrift) < 1) {
    throw new ConfigError(`${where}: electionTimeoutMs (${electionTimeoutMs}) leaves no lease at tickMs ${tickMs} and clockDrift ${clockDrift}`);
  }
  return { nodes, tickMs, heartbeatMs, electionTimeoutMs, dedupWindow, security, readMode, clockDrift };
}

/**
 * Things that are legal but probably not what the operator wants, one line each. An even-sized cluster needs a larger
 * majority than the odd one below it and survives no more failures: 4 nodes tolerate 1 failure, as 3 do.
 */
export function clusterWarnings(cfg: Pick<ClusterConfig, 'nodes'>): string[] {
  const n = cfg.nodes.length;
  if (n % 2 !== 0) return [];
  const tolerates = Math.floor((n - 1) / 2);
  return [
    `an even-sized cluster (${n} nodes) tolerates ${tolerates} failure${tolerates === 1 ? '' : 's'}, no more than ` +
      `${n - 1} node${n - 1 === 1 ? '' : 's'} would; use an odd number of nodes`,
  ];
}

export function loadClusterConfig(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read cluster configuration ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseClusterConfig(text, file);
}

/**
 * Finds this node's id: `--id` wins; otherwise the address file holds "HOST" or "HOST:PORT". A bare host must match
 * exactly one configured node (several nodes on one host need the port).
 */
export function resolveSelf(cfg: ClusterConfig, opts: { id?: string; addressFile: string }): NodeId {
  if (opts.id !== undefined) {
    if (!cfg.nodes.includes(opts.id)) throw new ConfigError(`--id ${opts.id} is not in the cluster configuration (${cfg.nodes.join(', ')})`);
    return opts.id;
  }
  let address: string;
  try {
    address = readFileSync(opts.addressFile, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`cannot read address file ${opts.addressFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (address === '' || /\s/.test(address)) throw new ConfigError(`address file ${opts.addressFile} must hold one line, HOST or HOST:PORT`);
  if (cfg.nodes.includes(address)) return address;
  // "::1" and "[::1]" both name the host of "[::1]:8000".
  const byHost = cfg.nodes.filter((n) => parseHostPort(n, 'nodes').host === bareHost(address));
  if (byHost.length === 1) return byHost[0];
  if (byHost.length > 1) {
    throw new ConfigError(`address ${address} matches ${byHost.length} nodes (${byHost.join(', ')}); write HOST:PORT in ${opts.addressFile}`);
  }
  throw new ConfigError(`address ${address} (from ${opts.addressFile}) is not in the cluster configuration (${cfg.nodes.join(', ')})`);
}

export interface TickSettings {
  tickMs: number;
  heartbeatTicks: number;
  electionTicks: number;
}

/** Converts the millisecond settings to the core's tick counts (rounded, at least one tick each). */
export function tickSettings(cfg: ClusterConfig): TickSettings {
  const heartbeatTicks = Math.max(1, Math.round(cfg.heartbeatMs / cfg.tickMs));
  const electionTicks = Math.max(heartbeatTicks + 1, Math.round(cfg.electionTimeoutMs / cfg.tickMs));
  return { tickMs: cfg.tickMs, heartbeatTicks, electionTicks };
}
