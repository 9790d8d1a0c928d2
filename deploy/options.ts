// Options every deploy task understands (parsed in cli.ts).
import type { Inventory } from './inventory.js';
import type { RunOptions } from './run-hosts.js';

export interface TaskOptions extends RunOptions {
  /** upload_*: run tsc before packing (default true; --no-build ships dist/ as it is). */
  build: boolean;
  /** upload_*: ship this machine's node binary too, for machines without Node 20. */
  withNode: boolean;
  /** get_raftlog / logs: local folder that receives <host>/... (defaults raftlog/ and logs/). */
  outDir?: string;
  log: (line: string) => void;
  /** The inventory file; the cluster's secrets are in secrets/ beside it (deploy/secrets.ts). */
  inventory: string;
  /** Security off, explicitly: no secrets, cluster.json without TLS/credentials, nodes started with --insecure. */
  insecure: boolean;
  /**
   * The whole inventory, when --hosts narrowed the one a task runs over: cluster.json and the secrets are always made
   * for every host (uploading to one host must not give it a one-node cluster.json or a one-node set of keys).
   */
  whole?: Inventory;
}
