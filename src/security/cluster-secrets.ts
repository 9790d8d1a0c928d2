// Every secret of one cluster, made on one machine (the local cluster's data folder, or the deploying machine):
//   CLUSTER_DIR/admin.token, client.token   the credentials run_client and the deploy tasks use (never typed)
//   CLUSTER_DIR/ca.pem, ca.key              the cluster CA, when the cluster serves TLS (ca.key never leaves here)
//   CLUSTER_DIR/members.json                which member list and TLS setting these secrets were made for
//   nodeDir(id)/...                         each node's own secrets (node-secrets.ts), one folder per node
// One random 32-byte key per PAIR of members, so a node holds only the keys it shares with each of its peers.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCa, makeNodeCert, type Pem } from './openssl.js';
import { NODE_SECRETS_FILE, writeNodeSecrets, type NodeSecrets } from './node-secrets.js';
import { makeSecretDir, readSecretFile, SecretsError, writeSecretFile } from './secret-files.js';
import { newToken, sha256Hex } from './tokens.js';
import { splitHostPort } from '../util/host-port.js';

export const ADMIN_TOKEN_FILE = 'admin.token';
export const CLIENT_TOKEN_FILE = 'client.token';
export const CA_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca.key';
const MEMBERS_FILE = 'members.json';

export interface ClusterSecretsSpec {
  members: string[];
  tls: boolean;
  clusterDir: string;
  /** Where node `id`'s own secrets go. */
  nodeDir: (id: string) => string;
}

function hostOf(id: string): string {
  return splitHostPort(id, 'member').host;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

/** Makes fresh secrets for every member, replacing any there were. */
export function generateClusterSecrets(spec: ClusterSecretsSpec): void {
  makeSecretDir(spec.clusterDir);
  const adminToken = newToken();
  const clientToken = newToken();
  const pairs = new Map<string, Buffer>();
  for (const a of spec.members) for (const b of spec.members) if (a < b) pairs.set(pairKey(a, b), randomBytes(32));
  let ca: Pem | undefined;
  if (spec.tls) {
    ca = makeCa('raft-xmlrpc cluster CA');
    writeSecretFile(spec.clusterDir, CA_KEY_FILE, ca.key);
    writeSecretFile(spec.clusterDir, CA_FILE, ca.cert);
  }
  for (const id of spec.members) {
    const secrets: NodeSecrets = {
      self: id,
      peerKeys: new Map(spec.members.filter((p) => p !== id).map((p) => [p, pairs.get(pairKey(id, p))!])),
      acceptPeerKeys: new Map(),
      adminTokenSha256: [sha256Hex(adminToken)],
      clientTokenSha256: [sha256Hex(clientToken)],
    };
    if (ca !== undefined) secrets.tls = { ...makeNodeCert(ca, hostOf(id)), ca: ca.cert };
    writeNodeSecrets(spec.nodeDir(id), secrets);
  }
  writeSecretFile(spec.clusterDir, ADMIN_TOKEN_FILE, `${adminToken}\n`);
  writeSecretFile(spec.clusterDir, CLIENT_TOKEN_FILE, `${clientToken}\n`);
  // Last: it marks the set complete (an interrupted generation is redone at the next start).
  writeSecretFile(spec.clusterDir, MEMBERS_FILE, JSON.stringify({ nodes: spec.members, tls: spec.tls }) + '\n');
}

/** True when the folder holds a complete set made for exactly these members and TLS setting. */
export function clusterSecretsMatch(spec: ClusterSecretsSpec): boolean {
  try {
    const m = JSON.parse(readFileSync(join(spec.clusterDir, MEMBERS_FILE), 'utf8')) as { nodes?: unknown; tls?: unknown };
    if (JSON.stringify(m.nodes) !== JSON.stringify(spec.members) || m.tls !== spec.tls) return false;
  } catch {
    return false;
  }
  const files = [ADMIN_TOKEN_FILE, CLIENT_TOKEN_FILE, ...(spec.tls ? [CA_FILE, CA_KEY_FILE] : [])].map((f) => join(spec.clusterDir, f));
  files.push(...spec.members.map((id) => join(spec.nodeDir(id), NODE_SECRETS_FILE)));
  return files.every((f) => existsSync(f));
}

/** Reuses the secrets made earlier for these members, or makes them. Returns whether new ones were made. */
export function ensureClusterSecrets(spec: ClusterSecretsSpec): boolean {
  if (clusterSecretsMatch(spec)) return false;
  generateClusterSecrets(spec);
  return true;
}

/** What a client of the cluster needs: the tokens (each may be missing) and the CA when the nodes serve TLS. */
export interface ClusterCredentials {
  adminToken?: string;
  clientToken?: string;
  ca?: string;
}

/** Reads whatever credentials the folder holds; a folder that does not exist yields none (an insecure cluster). */
export function readClusterCredentials(clusterDir: string): ClusterCredentials {
  const out: ClusterCredentials = {};
  const read = (name: string): string | undefined => {
    const file = join(clusterDir, name);
    if (!existsSync(file)) return undefined;
    const text = readSecretFile(file).trim();
    if (text === '') throw new SecretsError(`${file} is empty`);
    return text;
  };
  out.adminToken = read(ADMIN_TOKEN_FILE);
  out.clientToken = read(CLIENT_TOKEN_FILE);
  const ca = read(CA_FILE);
  if (ca !== undefined) out.ca = ca + '\n';
  return out;
}
