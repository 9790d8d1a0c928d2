// Security for a local cluster (npm run cluster, tests, chaos, bench): its secrets are made in its data folder at
// the first start and reused afterwards (DATA/secrets/ for the tokens and CA, DATA/node-i/secrets/ for each node's
// own keys). Peers are authenticated and admin calls need the admin token; client calls stay open on loopback unless
// the options ask for what a deployed cluster does (TLS, client credentials).
import { join } from 'node:path';
import type { RpcClientOptions } from '../rpc/client.js';
import type { SecuritySettings } from '../protocol/security-settings.js';
import { credentialOptions } from './client-credentials.js';
import { ensureClusterSecrets, readClusterCredentials, type ClusterCredentials } from './cluster-secrets.js';

/** 'insecure' runs the nodes with --insecure; otherwise the settings written into cluster.json (default both off). */
export type LocalSecurity = 'insecure' | Partial<SecuritySettings>;

export const LOCAL_SECRETS_DIR = 'secrets';

export interface PreparedLocalSecurity {
  /** The cluster's "security" section for cluster.json, or undefined to leave it out. */
  configSection?: SecuritySettings;
  /** Node-program flags. */
  nodeArgs: string[];
  credentials: ClusterCredentials;
  secretsDir: string;
  /** For status and test clients: the client token (or admin where `admin`) and the CA. */
  clientOptions(admin?: boolean): RpcClientOptions;
}

export function localSecuritySection(security: LocalSecurity | undefined): SecuritySettings | undefined {
  if (security === undefined || security === 'insecure') return undefined;
  if (security.tls !== true && security.clientAuth !== true) return undefined;
  return { tls: security.tls === true, clientAuth: security.clientAuth === true, ...(security.peerTls === true ? { peerTls: true } : {}) };
}

/** Makes or reuses the secrets for these nodes (ids and data folders, in index order). */
export function prepareLocalSecurity(
  security: LocalSecurity | undefined,
  dataDir: string,
  nodes: readonly { id: string; dataDir: string }[],
): PreparedLocalSecurity {
  const secretsDir = join(dataDir, LOCAL_SECRETS_DIR);
  if (security === 'insecure') {
    return { nodeArgs: ['--insecure'], credentials: {}, secretsDir, clientOptions: () => ({}) };
  }
  const section = localSecuritySection(security);
  const dirs = new Map(nodes.map((n) => [n.id, join(n.dataDir, 'secrets')]));
  ensureClusterSecrets({ members: nodes.map((n) => n.id), tls: section?.tls === true, clusterDir: secretsDir, nodeDir: (id) => dirs.get(id)! });
  const credentials = readClusterCredentials(secretsDir);
  return {
    configSection: section,
    nodeArgs: [],
    credentials,
    secretsDir,
    // Client calls carry the client token only where it is needed (a token that goes stale, e.g. after a rotation,
    // would otherwise get them refused).
    clientOptions: (admin = false) => (admin || section?.clientAuth === true ? credentialOptions(credentials, admin) : { ca: credentials.ca }),
  };
}
