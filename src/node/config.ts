// The cluster configuration file (one JSON file listing every node) and how a node finds itself in it.
// Every problem here is the operator's to fix, so each becomes a ConfigError with a one-line message and exit code 2.
import { readFileSync } from 'node:fs';
import type { NodeId } from '../raft/types.js';
import { parseSecuritySettings, type SecuritySettings } from '../security/settings.js';

export interface ClusterConfig {
  /** Every member, as "host:port"; a node's id is its entry here. */
  nodes: NodeId[];
  /** One core tick; timeouts below are converted to whole ticks. */
  tickMs: number;
  heartbeatMs: number;
  /** The lower bound: each election timeout is drawn from [electionTimeoutMs, 2*electionTimeoutMs). */
  electionTimeoutMs: number;
  /** TLS and client credentials (src/security/settings.ts); peers are authenticated regardless. */
  security: SecuritySettings;
}

export const DEFAULT_TIMING = { tickMs: 10, heartbeatMs: 50, electionTimeoutMs: 150 } as const;

/** A misconfiguration the operator must fix; main prints the message on one line and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface HostPort {
  host: string;
  port: number;
}

/** Splits "host:port" (the port after the last colon); throws ConfigError when it is not one. */
export function parseHostPort(s: string, what: string): HostPort {
  const m = /^(.+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535) || /\s/.test(m[1])) {
    throw new ConfigError(`${what}: "${s}" is not HOST:PORT with a port in 1..65535`);
  }
  return { host: m[1], port };
}

function positiveInt(raw: unknown, fallback: number, key: string, file: string): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 3_600_000) {
    throw new ConfigError(`${file}: "${key}" must be a whole number of milliseconds (1..3600000), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** Validates the parsed JSON; `file` only names the source in messages. */
export function parseClusterConfig(text: string, file: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file}: expected a JSON object with a "nodes" array`);
  }
  const obj = raw as Record<string, unknown>;
  const nodes = obj.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n): n is string => typeof n === 'string')) {
    throw new ConfigError(`${file}: "nodes" must be a non-empty array of "host:port" strings`);
  }
  for (const n of nodes) parseHostPort(n, `${file}: nodes`);
  const dup = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (dup !== undefined) throw new ConfigError(`${file}: node ${dup} is listed twice`);

  const tickMs = positiveInt(obj.tickMs, DEFAULT_TIMING.tickMs, 'tickMs', file);
  const heartbeatMs = positiveInt(obj.heartbeatMs, DEFAULT_TIMING.heartbeatMs, 'heartbeatMs', file);
  const electionTimeoutMs = positiveInt(obj.electionTimeoutMs, DEFAULT_TIMING.electionTimeoutMs, 'electionTimeoutMs', file);
  if (heartbeatMs < tickMs) throw new ConfigError(`${file}: heartbeatMs (${heartbeatMs}) is shorter than tickMs (${tickMs})`);
  // Raft needs broadcast time << election timeout; twice the heartbeat is the least that still tolerates one loss.
  if (electionTimeoutMs < 2 * heartbeatMs) {
    throw new ConfigError(`${file}: electionTimeoutMs (${electionTimeoutMs}) must be at least twice heartbeatMs (${heartbeatMs})`);
  }
  const security = parseSecuritySettings(obj.security, file, (msg) => {
    throw new ConfigError(msg);
  });
  return { nodes, tickMs, heartbeatMs, electionTimeoutMs, security };
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
  const byHost = cfg.nodes.filter((n) => parseHostPort(n, 'nodes').host === address);
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
