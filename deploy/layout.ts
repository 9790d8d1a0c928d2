// Where things live on a deployed machine, all under the inventory's `dir`. One definition, used by every task, so
// upload, start, status and get_raftlog always agree.
import type { InventoryHost } from './inventory.js';

export interface RemoteLayout {
  dir: string;
  /** Unpacked bundle: dist/, package.json, node_modules/. */
  app: string;
  /** A node binary shipped with --with-node (used instead of the machine's own `node` when present). */
  nodeBin: string;
  clusterConfig: string;
  address: string;
  /** The node's data dir: raftlog, wal/, hardstate, node.log. */
  data: string;
  raftlog: string;
  nodeLog: string;
  pidFile: string;
  /** The node's stdout/stderr (first line READY <id>). */
  stdout: string;
  /** Wrapper that runs the client against this cluster (upload_client). */
  clientScript: string;
  /** This node's own secrets (0700; deploy/tasks/upload-secrets.ts), given to the node with --secrets. */
  secrets: string;
  /** The client token and CA for run_client on the machine (upload_client). */
  clientSecrets: string;
}

export function layoutOf(h: InventoryHost): RemoteLayout {
  const d = h.dir;
  return {
    dir: d,
    app: `${d}/app`,
    nodeBin: `${d}/bin/node`,
    clusterConfig: `${d}/cluster.json`,
    address: `${d}/address`,
    data: `${d}/data`,
    raftlog: `${d}/data/raftlog`,
    nodeLog: `${d}/data/node.log`,
    pidFile: `${d}/node.pid`,
    stdout: `${d}/node.out`,
    clientScript: `${d}/run_client`,
    secrets: `${d}/secrets`,
    clientSecrets: `${d}/client-secrets`,
  };
}

/** Shell snippet setting $NODE to the shipped binary if there is one, else the machine's node. */
export function nodeBinSnippet(l: RemoteLayout, quote: (s: string) => string): string {
  return `if [ -x ${quote(l.nodeBin)} ]; then NODE=${quote(l.nodeBin)}; else NODE=node; fi`;
}
