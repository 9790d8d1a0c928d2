// Where a client (run_client, the deploy tasks) finds a cluster's credentials without the user typing them: the
// folder given, else secrets/ beside the file the node list came from (data/cluster/secrets for the local cluster,
// ./secrets beside ./inventory.json for a deployed one). No folder there: no credentials (an --insecure cluster).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RpcClientOptions } from '../rpc/client.js';
import { readClusterCredentials, type ClusterCredentials } from './cluster-secrets.js';
import { SecretsError } from './secret-files.js';

export function secretsDirBeside(file: string, cwd: string): string {
  return join(dirname(resolve(cwd, file)), 'secrets');
}

/** Throws SecretsError when a folder named explicitly is missing, or a file in it is unreadable or too open. */
export function findCredentials(explicitDir: string | undefined, sourceFile: string | undefined, cwd: string): ClusterCredentials {
  if (explicitDir !== undefined) {
    const dir = resolve(cwd, explicitDir);
    if (!existsSync(dir)) throw new SecretsError(`secrets folder ${explicitDir} does not exist`);
    return readClusterCredentials(dir);
  }
  if (sourceFile === undefined) return {};
  const dir = secretsDirBeside(sourceFile, cwd);
  return existsSync(dir) ? readClusterCredentials(dir) : {};
}

/** RpcClient options from a cluster's credentials: admin or client basic auth (whichever is there), and its CA. */
export function credentialOptions(c: ClusterCredentials, admin: boolean): RpcClientOptions {
  const opts: RpcClientOptions = {};
  if (admin && c.adminToken !== undefined) opts.auth = { user: 'admin', password: c.adminToken };
  else if (c.clientToken !== undefined) opts.auth = { user: 'client', password: c.clientToken };
  if (c.ca !== undefined) opts.ca = c.ca;
  return opts;
}
