// A node's security, set up once at start from its flags and the cluster configuration: the server's authenticate
// hook and TLS material, and how it calls its peers (MAC-signed, over TLS with the cluster CA when configured).
// `--insecure` turns it all off, loudly.
import type { RpcClientOptions } from '../rpc/client.js';
import type { Logger } from '../util/logger.js';
import { makeAuthenticator, type NodeAuth } from './authenticator.js';
import type { SecuritySettings } from '../protocol/security-settings.js';
import { loadNodeSecrets } from './node-secrets.js';
import { PeerSigner } from './peer-mac.js';

export interface NodeSecurity {
  /** The server's authenticate (before parsing) and authorize (after) hooks; absent when insecure. */
  auth?: NodeAuth;
  tls?: { key: string; cert: string };
  /** Options for an RpcClient that calls member `peer` as this node. */
  peerClientOptions: (peer: string) => RpcClientOptions;
}

export const INSECURE_WARNING =
  'WARNING: --insecure: peers are not authenticated, admin calls and client calls are open, no TLS; ' +
  'anyone who can reach this port can change terms, votes, logs and node state';

/** Throws SecretsError (one line) when the secrets are missing or do not fit this node and cluster. */
export function setupNodeSecurity(opts: {
  self: string;
  members: readonly string[];
  settings: SecuritySettings;
  secretsDir: string;
  insecure: boolean;
  logger: Logger;
}): NodeSecurity {
  if (opts.insecure) return { peerClientOptions: () => ({}) };
  const secrets = loadNodeSecrets(opts.secretsDir, opts.self, opts.members, opts.settings.tls);
  const signer = new PeerSigner(opts.self, secrets.peerKeys);
  const ca = secrets.tls?.ca;
  return {
    auth: makeAuthenticator(secrets, opts.settings, opts.logger),
    tls: secrets.tls === undefined ? undefined : { key: secrets.tls.key, cert: secrets.tls.cert },
    peerClientOptions: (peer) => ({ sign: (method, body) => signer.headers(peer, method, body), ca }),
  };
}
