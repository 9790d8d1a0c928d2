// The deploy inventory (contracts.md): one file naming every machine, how to reach it over ssh, and the address its
// node serves on. It is also the single source of the cluster configuration the nodes read (clusterConfigOf).
import { readFileSync } from 'node:fs';
import { ConfigError, validateClusterConfig, type ClusterConfigFile, type ClusterSettings } from '../src/protocol/cluster-config.js';
import { HostPortError, splitHostPort, type HostPort } from '../src/util/host-port.js';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Key file for public-key auth; when absent the ssh agent (SSH_AUTH_SOCK) is used. */
  privateKeyPath?: string;
  /** Pinned host key, "TYPE BASE64" as in a .pub file or known_hosts; when absent ~/.ssh/known_hosts decides. */
  hostKey?: string;
}

export interface InventoryHost {
  name: string;
  /** "HOST:PORT" the node advertises (its id in the cluster). */
  node: string;
  /** Directory on the machine that holds the app, config, address file and data. */
  dir: string;
  /** Optional bind host for the node (e.g. 0.0.0.0 when `node` is a public address NAT'd to this machine). */
  listen?: string;
  ssh: SshTarget;
}

export interface Inventory {
  /** cluster.json's settings but the member list (hosts[].node) and security (the deploy's to set). */
  cluster: ClusterSettings;
  hosts: InventoryHost[];
}

export class InventoryError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, where: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') throw new InventoryError(`${where}.${key} must be a non-empty string`);
  return v;
}

function port(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new InventoryError(`${where} must be a port number 1..65535`);
  }
  return v;
}

function hostPort(v: string, where: string): HostPort {
  try {
    return splitHostPort(v, where);
  } catch (err) {
    const why = err instanceof HostPortError ? err.reason : String(err);
    throw new InventoryError(`${where} must be "HOST:PORT", got ${JSON.stringify(v)} (${why})`);
  }
}

function parseHost(h: unknown, i: number): InventoryHost {
  const where = `hosts[${i}]`;
  if (!isObj(h)) throw new InventoryError(`${where} must be an object`);
  const name = str(h, 'name', where)!;
  // The name becomes a local folder (raftlog/<name>/) and part of messages: keep it a plain word.
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
    throw new InventoryError(`${where}.name "${name}" may hold only letters, digits, '.', '_' and '-'`);
  }
  const node = str(h, 'node', where)!;
  hostPort(node, `${where}.node`);
  const dir = str(h, 'dir', where)!;
  if (!dir.startsWith('/')) throw new InventoryError(`${where}.dir must be an absolute path, got "${dir}"`);
  const listen = str(h, 'listen', where, true);
  const s = h.ssh;
  if (!isObj(s)) throw new InventoryError(`${where}.ssh must be an object`);
  const sw = `${where}.ssh`;
  if (s.password !== undefined) throw new InventoryError(`${sw}.password is not supported: use privateKeyPath or the ssh agent`);
  const hostKey = str(s, 'hostKey', sw, true);
  if (hostKey !== undefined && !/^[a-z0-9@.-]+ [A-Za-z0-9+/=]+/.test(hostKey)) {
    throw new InventoryError(`${sw}.hostKey must be "TYPE BASE64" (a line of the host's .pub file)`);
  }
  return {
    name,
    node,
    dir: dir.replace(/\/+$/, '') || '/',
    listen,
    ssh: {
      host: str(s, 'host', sw)!,
      port: s.port === undefined ? 22 : port(s.port, `${sw}.port`),
      user: str(s, 'user', sw)!,
      privateKeyPath: str(s, 'privateKeyPath', sw, true),
      hostKey,
    },
  };
}

/**
 * The cluster section becomes cluster.json on every machine, so it is held to the node program's own rules
 * (src/protocol/cluster-config.ts: keys, ranges, heartbeat vs election timeout) and refused with the node's words:
 * a deploy never ships a configuration the nodes would refuse, and every setting it accepts reaches them.
 */
function parseClusterSection(c: unknown, nodes: string[]): ClusterSettings {
  const section = c === undefined ? {} : c;
  if (!isObj(section)) throw new InventoryError('cluster must be an object');
  if (section.nodes !== undefined) throw new InventoryError('cluster.nodes is not allowed: the nodes are the hosts[].node addresses');
  if (section.security !== undefined) {
    throw new InventoryError('cluster.security is not allowed: deploy sets it (TLS and client credentials, or none with --insecure)');
  }
  let cfg;
  try {
    cfg = validateClusterConfig({ ...section, nodes }, 'cluster');
  } catch (err) {
    if (err instanceof ConfigError) throw new InventoryError(err.message);
    throw err;
  }
  // Only what the operator wrote: defaults stay the node program's to fill in.
  const has = (k: keyof ClusterSettings): boolean => section[k] !== undefined;
  return {
    ...(has('tickMs') ? { tickMs: cfg.tickMs } : {}),
    ...(has('heartbeatMs') ? { heartbeatMs: cfg.heartbeatMs } : {}),
    ...(has('electionTimeoutMs') ? { electionTimeoutMs: cfg.electionTimeoutMs } : {}),
    ...(has('dedupWindow') ? { dedupWindow: cfg.dedupWindow } : {}),
    ...(has('readMode') ? { readMode: cfg.readMode } : {}),
    ...(has('clockDrift') ? { clockDrift: cfg.clockDrift } : {}),
  };
}

/** Validates an already parsed inventory; every error is one line naming the field. */
export function parseInventory(raw: unknown): Inventory {
  if (!isObj(raw)) throw new InventoryError('inventory must be a JSON object with "hosts"');
  if (!Array.isArray(raw.hosts) || raw.hosts.length === 0) throw new InventoryError('inventory.hosts must be a non-empty array');
  const hosts = raw.hosts.map(parseHost);
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.name)) throw new InventoryError(`host name "${h.name}" appears twice`);
    seen.add(h.name);
  }
  const nodes = new Set<string>();
  for (const h of hosts) {
    if (nodes.has(h.node)) throw new InventoryError(`node address "${h.node}" appears twice`);
    nodes.add(h.node);
  }
  return { cluster: parseClusterSection(raw.cluster, hosts.map((h) => h.node)), hosts };
}

export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InventoryError(
      code === 'ENOENT'
        ? `no inventory at ${file}: copy deploy/inventory.example.json to inventory.json and edit it (or run npm run testbed:up)`
        : `cannot read inventory ${file}: ${code ?? String(err)}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(`inventory ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseInventory(raw);
  } catch (err) {
    throw new InventoryError(`inventory ${file}: ${(err as Error).message}`);
  }
}

/** The cluster.json every node reads: all node addresses in inventory order plus the cluster section's settings. */
export function clusterConfigOf(inv: Inventory): ClusterConfigFile {
  return { nodes: inv.hosts.map((h) => h.node), ...inv.cluster };
}

/** The advertised host part of `node`, without IPv6 brackets (as `ip addr` prints it). */
export function nodeHost(h: InventoryHost): string {
  return splitHostPort(h.node).host;
}
