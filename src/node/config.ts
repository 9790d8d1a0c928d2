// Reading the cluster configuration file and finding this node in it. The configuration's shape and rules are the
// protocol's (src/protocol/cluster-config.ts), shared with the deploy inventory and the local cluster.
// Every problem here is the operator's to fix, so each becomes a ConfigError with a one-line message and exit code 2.
import { readFileSync } from 'node:fs';
import type { NodeId } from '../raft/types.js';
import { ConfigError, parseClusterConfig, type ClusterConfig } from '../protocol/cluster-config.js';
import { bareHost, splitHostPort } from '../util/host-port.js';

// The node's flag parsing (args.ts) raises the same error for a bad flag as for a bad file.
export { ConfigError } from '../protocol/cluster-config.js';

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
  const byHost = cfg.nodes.filter((n) => splitHostPort(n, 'nodes').host === bareHost(address));
  if (byHost.length === 1) return byHost[0];
  if (byHost.length > 1) {
    throw new ConfigError(`address ${address} matches ${byHost.length} nodes (${byHost.join(', ')}); write HOST:PORT in ${opts.addressFile}`);
  }
  throw new ConfigError(`address ${address} (from ${opts.addressFile}) is not in the cluster configuration (${cfg.nodes.join(', ')})`);
}
