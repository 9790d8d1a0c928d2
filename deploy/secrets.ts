// The deployed cluster's secrets, made on the deploying machine in secrets/ beside the inventory (git-ignored):
//   secrets/admin.token, client.token, ca.pem, ca.key, members.json   (stay here; run_client and the tasks read them)
//   secrets/nodes/<host name>/node-secrets.json, node.key, node.pem, ca.pem   (host <name>'s own; uploaded to it only)
// A deployed cluster serves TLS and requires client credentials (DEPLOYED_SECURITY) unless --insecure.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SecuritySettings } from '../src/protocol/security-settings.js';
import { secretsDirBeside } from '../src/security/client-credentials.js';
import { ensureClusterSecrets, generateClusterSecrets, readClusterCredentials, type ClusterCredentials, type ClusterSecretsSpec } from '../src/security/cluster-secrets.js';
import { readSecretFile } from '../src/security/secret-files.js';
import type { Inventory, InventoryHost } from './inventory.js';

export const DEPLOYED_SECURITY: SecuritySettings = { tls: true, clientAuth: true };

export function deploySecretsDir(inventoryFile: string): string {
  return secretsDirBeside(inventoryFile, process.cwd());
}

export function deploySecretsSpec(inv: Inventory, dir: string): ClusterSecretsSpec {
  const nameOf = new Map(inv.hosts.map((h) => [h.node, h.name]));
  return { members: inv.hosts.map((h) => h.node), tls: true, clusterDir: dir, nodeDir: (id) => join(dir, 'nodes', nameOf.get(id)!) };
}

/** Reuses the secrets made for this inventory's members, or makes them; `fresh` always makes new ones (rotation). */
export function ensureDeploySecrets(inv: Inventory, dir: string, fresh = false): boolean {
  const spec = deploySecretsSpec(inv, dir);
  if (fresh) {
    generateClusterSecrets(spec);
    return true;
  }
  return ensureClusterSecrets(spec);
}

/** The files of one host's own secrets, to upload to that host and to no other. */
export function hostSecretFiles(dir: string, host: InventoryHost): { name: string; content: string }[] {
  const hostDir = join(dir, 'nodes', host.name);
  return readdirSync(hostDir)
    .filter((f) => !f.endsWith('.tmp'))
    .sort()
    .map((name) => ({ name, content: readSecretFile(join(hostDir, name)) }));
}

/** What the deploy tasks and run_client use to talk to the nodes: the client token (or admin) and the CA. */
export function deployCredentials(dir: string): ClusterCredentials {
  return readClusterCredentials(dir);
}
