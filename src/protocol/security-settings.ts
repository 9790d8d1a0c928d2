// The cluster configuration's "security" section: {"tls": bool, "clientAuth": bool, "peerTls": bool}, all false when
// absent (the local cluster: loopback, clients open, peers still authenticated). A deployed cluster's config sets the
// first two; peerTls also encrypts the members' own traffic (src/security/authenticator.ts says what it costs).

export interface SecuritySettings {
  /** The nodes serve HTTPS (and call each other over it). */
  tls: boolean;
  /** Client calls need a credential. */
  clientAuth: boolean;
  /**
   * With tls: members call each other over TLS too. Off (the default), they talk plain HTTP on the same port, every
   * call and answer MAC-authenticated (src/security/peer-mac.ts) but not encrypted: replicated values cross the
   * network in clear. (TLS on every append and answer between members was most of what security cost in write
   * throughput: README.)
   */
  peerTls?: boolean;
}

export const DEFAULT_SECURITY: SecuritySettings = { tls: false, clientAuth: false };
export const SECURITY_KEYS = ['tls', 'clientAuth', 'peerTls'] as const;

/** Validates the section; `fail` raises the caller's configuration error with a one-line message. */
export function parseSecuritySettings(raw: unknown, file: string, fail: (msg: string) => never): SecuritySettings {
  if (raw === undefined) return { ...DEFAULT_SECURITY };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${file}: "security" must be an object like {"tls": true, "clientAuth": true}`);
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(SECURITY_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) fail(`${file}: unknown key "security.${JSON.stringify(unknown[0].slice(0, 60)).slice(1, -1)}" (known: ${SECURITY_KEYS.join(', ')})`);
  const out = { ...DEFAULT_SECURITY };
  for (const k of SECURITY_KEYS) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'boolean') fail(`${file}: "security.${k}" must be true or false, got ${JSON.stringify(o[k])}`);
    out[k] = o[k] as boolean;
  }
  return out;
}
