// A node's security, set up once at start from its flags and the cluster configuration: the server's authenticate
// hook and TLS material, and how it calls its peers: MAC-signed both ways (call and answer), over plain HTTP unless
// peerTls; calls it forwards for clients go over TLS with the cluster CA when the cluster uses TLS.
// `--insecure` turns it all off, loudly.
import type { RpcClientOptions } from '../rpc/client.js';
import type { Logger } from '../util/logger.js';
import { makeAuthenticator, type NodeAuth } from './authenticator.js';
import type { SecuritySettings } from '../protocol/security-settings.js';
import { loadNodeSecrets } from './node-secrets.js';
import { ANSWER_AUTH_HEADER, PeerSigner } from './peer-mac.js';

export interface NodeSecurity {
  /** The server's authenticate (before parsing) and authorize (after) hooks; absent when insecure. */
  auth?: NodeAuth;
  /** With plainPeers the server also takes members' calls over plain HTTP (src/rpc/server.ts). */
  tls?: { key: string; cert: string; plainPeers: boolean };
  /** Options for an RpcClient that makes Raft calls to member `peer` as this node. */
  peerClientOptions: (peer: string) => RpcClientOptions;
  /** Options for an RpcClient that forwards clients' calls to member `peer` (over TLS whenever the cluster uses it). */
  forwardClientOptions: (peer: string) => RpcClientOptions;
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
  if (opts.insecure) return { peerClientOptions: () => ({}), forwardClientOptions: () => ({}) };
  const secrets = loadNodeSecrets(opts.secretsDir, opts.self, opts.members, opts.settings.tls);
  const signer = new PeerSigner(opts.self, secrets.peerKeys);
  const ca = secrets.tls?.ca;
  const peerTls = opts.settings.peerTls === true;
  const signed = (peer: string): RpcClientOptions => ({
    sign: (method, body) => signer.headers(peer, method, body),
    checkAnswer: { header: ANSWER_AUTH_HEADER, check: (sent, given, body) => signer.checkAnswer(peer, sent, given, body) },
  });
  return {
    auth: makeAuthenticator(secrets, opts.settings, opts.logger),
    tls: secrets.tls === undefined ? undefined : { key: secrets.tls.key, cert: secrets.tls.cert, plainPeers: !peerTls },
    peerClientOptions: (peer) => ({ ...signed(peer), ca: peerTls ? ca : undefined }),
    forwardClientOptions: (peer) => ({ ...signed(peer), ca }),
  };
}
