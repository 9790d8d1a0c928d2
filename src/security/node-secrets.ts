// One node's own secrets, in its secrets folder (default DATA/secrets):
//   node-secrets.json  {version, self, peerKeys: {peer id: base64 32-byte key}, adminTokenSha256, clientTokenSha256,
//                       acceptPeerKeys?: {peer id: base64 key}}   (the digests may be arrays of digests)
//   node.key, node.pem, ca.pem   only when the cluster serves TLS (ca.pem may hold several CA certificates)
// The node holds the keys it shares with each peer and the tokens' digests, never a token itself. During a rotation
// (src/security/rotation.ts) a node also accepts the other set's keys, digests and CA, so old and new members agree.
import { join } from 'node:path';
import { readSecretFile, SecretsError, writeSecretFile, makeSecretDir } from './secret-files.js';

export const NODE_SECRETS_FILE = 'node-secrets.json';
export const TLS_FILES = { key: 'node.key', cert: 'node.pem', ca: 'ca.pem' } as const;

export interface NodeSecrets {
  self: string;
  /** The key this node signs with, per peer (and accepts). */
  peerKeys: Map<string, Buffer>;
  /** Further keys it accepts from a peer (during a rotation). */
  acceptPeerKeys: Map<string, Buffer>;
  adminTokenSha256: string[];
  clientTokenSha256: string[];
  tls?: { key: string; cert: string; ca: string };
}

export function writeNodeSecrets(dir: string, s: NodeSecrets): void {
  makeSecretDir(dir);
  if (s.tls !== undefined) {
    writeSecretFile(dir, TLS_FILES.key, s.tls.key);
    writeSecretFile(dir, TLS_FILES.cert, s.tls.cert);
    writeSecretFile(dir, TLS_FILES.ca, s.tls.ca);
  }
  const json = {
    version: 1,
    self: s.self,
    peerKeys: Object.fromEntries([...s.peerKeys].map(([peer, key]) => [peer, key.toString('base64')])),
    adminTokenSha256: s.adminTokenSha256.length === 1 ? s.adminTokenSha256[0] : s.adminTokenSha256,
    clientTokenSha256: s.clientTokenSha256.length === 1 ? s.clientTokenSha256[0] : s.clientTokenSha256,
    ...(s.acceptPeerKeys.size > 0 ? { acceptPeerKeys: Object.fromEntries([...s.acceptPeerKeys].map(([p, k]) => [p, k.toString('base64')])) } : {}),
  };
  // Written last: its presence means the folder is complete.
  writeSecretFile(dir, NODE_SECRETS_FILE, JSON.stringify(json, null, 2) + '\n');
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

/**
 * Reads and checks the secrets of node `self` in a cluster of `members`: a key for every other member (and no
 * shorter than 32 bytes), well-formed digests, and the TLS files when `tls`. Any problem is one SecretsError line.
 */
export function loadNodeSecrets(dir: string, self: string, members: readonly string[], tls: boolean): NodeSecrets {
  const file = join(dir, NODE_SECRETS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readSecretFile(file));
  } catch (err) {
    if (err instanceof SecretsError) throw err;
    throw new SecretsError(`${file}: not valid JSON`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SecretsError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) throw new SecretsError(`${file}: unknown version ${JSON.stringify(o.version)}`);
  if (o.self !== self) throw new SecretsError(`${file} belongs to node ${JSON.stringify(o.self)}, not ${self}`);
  const digests = (k: 'adminTokenSha256' | 'clientTokenSha256'): string[] => {
    const v = o[k];
    const list = typeof v === 'string' ? [v] : Array.isArray(v) && v.length >= 1 && v.length <= 4 ? v : null;
    if (list === null || !list.every((d): d is string => typeof d === 'string' && HEX_DIGEST.test(d))) {
      throw new SecretsError(`${file}: "${k}" must be 64 hex digits (or a list of up to 4)`);
    }
    return list;
  };
  const keysRaw = o.peerKeys;
  if (typeof keysRaw !== 'object' || keysRaw === null || Array.isArray(keysRaw)) throw new SecretsError(`${file}: "peerKeys" must be an object`);
  const peerKeys = new Map<string, Buffer>();
  for (const m of members) {
    if (m === self) continue;
    const v = (keysRaw as Record<string, unknown>)[m];
    const key = typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
    if (key.length < 32) {
      throw new SecretsError(`${file}: no 32-byte key for peer ${m} (secrets made for another member list? regenerate them)`);
    }
    peerKeys.set(m, key);
  }
  const acceptPeerKeys = new Map<string, Buffer>();
  if (o.acceptPeerKeys !== undefined) {
    const extra = o.acceptPeerKeys;
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new SecretsError(`${file}: "acceptPeerKeys" must be an object`);
    for (const [peer, v] of Object.entries(extra)) {
      const key = typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
      if (!peerKeys.has(peer) || key.length < 32) throw new SecretsError(`${file}: "acceptPeerKeys" holds a bad key for ${peer}`);
      acceptPeerKeys.set(peer, key);
    }
  }
  const secrets: NodeSecrets = {
    self,
    peerKeys,
    acceptPeerKeys,
    adminTokenSha256: digests('adminTokenSha256'),
    clientTokenSha256: digests('clientTokenSha256'),
  };
  if (tls) {
    secrets.tls = {
      key: readSecretFile(join(dir, TLS_FILES.key)),
      cert: readSecretFile(join(dir, TLS_FILES.cert)),
      ca: readSecretFile(join(dir, TLS_FILES.ca)),
    };
    for (const [what, pem] of Object.entries(secrets.tls)) {
      if (!pem.includes('-----BEGIN ')) throw new SecretsError(`${join(dir, TLS_FILES[what as keyof typeof TLS_FILES])}: not a PEM file`);
    }
  }
  return secrets;
}
