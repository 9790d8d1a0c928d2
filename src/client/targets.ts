// Which nodes the client talks to: --nodes, a cluster config, a deploy inventory, ./inventory.json, or the local
// cluster's data/cluster/cluster.json, in that order (contracts.md). Every failure is one line saying what to fix.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TargetSource } from './cli-args.js';
import { ConfigError, validateClusterConfig } from '../protocol/cluster-config.js';
import { HostPortError, splitHostPort } from '../util/host-port.js';
import { CliUsageError } from '../util/cli-args.js';
import { text } from '../util/cli-options.js';

export class TargetError extends Error {}

export const LOCAL_CLUSTER_CONFIG = path.join('data', 'cluster', 'cluster.json');
export const DEFAULT_INVENTORY = 'inventory.json';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TargetError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TargetError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function checked(nodes: unknown[], where: string): string[] {
  if (nodes.length === 0) throw new TargetError(`${where} lists no nodes`);
  return nodes.map((n, i) => {
    if (typeof n !== 'string') throw new TargetError(`${where}: node ${i + 1} is not a "HOST:PORT" string`);
    try {
      splitHostPort(n, where);
    } catch (err) {
      if (err instanceof HostPortError) throw new TargetError(err.message);
      throw err;
    }
    return n;
  });
}

/** A cluster.json is held to the nodes' own rules (src/protocol/cluster-config.ts): what they refuse, so does the client. */
function fromConfig(file: string): string[] {
  const cfg = readJson(file, 'cluster config');
  try {
    return validateClusterConfig(cfg, `cluster config ${file}`).nodes;
  } catch (err) {
    if (err instanceof ConfigError) throw new TargetError(err.message);
    throw err;
  }
}

function fromInventory(file: string): string[] {
  const inv = readJson(file, 'inventory');
  const hosts = typeof inv === 'object' && inv !== null ? (inv as { hosts?: unknown }).hosts : undefined;
  if (!Array.isArray(hosts)) throw new TargetError(`inventory ${file} has no "hosts" array`);
  const nodes = hosts.map((h: unknown) => (typeof h === 'object' && h !== null ? (h as { node?: unknown }).node : undefined));
  return checked(nodes, `inventory ${file} (hosts[].node)`);
}

/** Resolves relative to `cwd` (npm runs scripts from the package root). */
export function resolveTargets(src: TargetSource, cwd: string): { nodes: string[]; from: string } {
  switch (src.kind) {
    case 'nodes':
      return { nodes: checked(src.nodes, '--nodes'), from: '--nodes' };
    case 'config':
      return { nodes: fromConfig(path.resolve(cwd, src.file)), from: src.file };
    case 'inventory':
      return { nodes: fromInventory(path.resolve(cwd, src.file)), from: src.file };
    case 'default': {
      const inv = path.resolve(cwd, DEFAULT_INVENTORY);
      if (existsSync(inv)) return { nodes: fromInventory(inv), from: DEFAULT_INVENTORY };
      const local = path.resolve(cwd, LOCAL_CLUSTER_CONFIG);
      if (existsSync(local)) return { nodes: fromConfig(local), from: LOCAL_CLUSTER_CONFIG };
      throw new TargetError(
        `no target nodes: give --nodes, --config or --inventory, create ./${DEFAULT_INVENTORY}, or start a local cluster ` +
          `(npm run cluster writes ${LOCAL_CLUSTER_CONFIG})`,
      );
    }
  }
}

/** The target options run_client and the dashboard both take (src/util/cli-args.ts declarations). */
export const targetOptions = {
  nodes: text('talk to these nodes', { placeholder: 'HOST:PORT,...' }),
  config: text('the nodes of this cluster configuration', { placeholder: 'CLUSTER.json' }),
  inventory: text('the nodes of this deploy inventory', { placeholder: 'INVENTORY.json' }),
};

/** Where the targets come from: the target option given last (`given`: options in the order last given). */
export function targetSource(v: { nodes?: string; config?: string; inventory?: string }, given: ReadonlySet<string>): TargetSource {
  const last = [...given].filter((k) => k === 'nodes' || k === 'config' || k === 'inventory').pop();
  if (last === 'nodes' && v.nodes !== undefined) {
    const nodes = v.nodes.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (nodes.length === 0) throw new CliUsageError('--nodes needs at least one HOST:PORT');
    return { kind: 'nodes', nodes };
  }
  if (last === 'config' && v.config !== undefined) return { kind: 'config', file: v.config };
  if (last === 'inventory' && v.inventory !== undefined) return { kind: 'inventory', file: v.inventory };
  return { kind: 'default' };
}
