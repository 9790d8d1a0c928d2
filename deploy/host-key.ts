// Host key verification. node-ssh (ssh2) accepts ANY host key unless given a hostVerifier, which would let anyone on
// the path impersonate a machine and receive our key-authenticated session. We accept only the key pinned in the
// inventory, or else one listed for the host in ~/.ssh/known_hosts; anything else is refused with a message that says
// which key was offered and where the expected one came from.
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { joinHostPort } from '../src/util/host-port.js';
import type { SshTarget } from './inventory.js';

export interface ExpectedKeys {
  /** Raw key blobs (base64-decoded second field of "TYPE BASE64"). */
  blobs: Buffer[];
  /** Keys marked `@revoked` for this host in known_hosts: refused even when pinned or also listed as valid. */
  revoked: Buffer[];
  /** The known_hosts file the revocations came from. */
  revokedSource: string;
  /** Key types, to ask the server for a key we can check (a server usually holds several). */
  types: string[];
  source: string;
}

/** SHA256:... as `ssh-keygen -lf` prints it, so users can compare with the machine. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

function parseKeyLine(line: string): { type: string; blob: Buffer } | null {
  const [type, b64] = line.trim().split(/\s+/);
  if (type === undefined || b64 === undefined) return null;
  const blob = Buffer.from(b64, 'base64');
  return blob.length > 0 ? { type, blob } : null;
}

/** One OpenSSH wildcard pattern ('*' any run, '?' one character), case-insensitive as ssh compares host names. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/**
 * known_hosts host patterns as OpenSSH reads them: "host", "[host]:port" (any port but 22), comma lists, '*' and '?'
 * wildcards, '!' negations (a negated match rules the line out) and hashed "|1|salt|hash" entries.
 */
function knownHostsMatches(field: string, host: string, port: number): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatches(p.slice(1), name)) return false;
    } else if (globMatches(p, name)) {
      matched = true;
    }
  }
  return matched;
}

interface KnownHostsLine {
  /** '@revoked', '@cert-authority' or null for a plain entry. */
  marker: string | null;
  hosts: string;
  key: { type: string; blob: Buffer };
}

function knownHostsLines(file: string): KnownHostsLine[] {
  if (!existsSync(file)) return [];
  const out: KnownHostsLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift()! : null;
    if (fields.length < 3) continue;
    const key = parseKeyLine(fields.slice(1).join(' '));
    if (key) out.push({ marker, hosts: fields[0], key });
  }
  return out;
}

export function expectedKeys(ssh: SshTarget, knownHostsFile = path.join(os.homedir(), '.ssh', 'known_hosts')): ExpectedKeys {
  const lines = knownHostsLines(knownHostsFile).filter((l) => knownHostsMatches(l.hosts, ssh.host, ssh.port));
  // OpenSSH refuses a revoked key whatever else vouches for it, so revocations apply to a pinned key too.
  const revoked = lines.filter((l) => l.marker === '@revoked').map((l) => l.key.blob);
  if (ssh.hostKey !== undefined) {
    const k = parseKeyLine(ssh.hostKey);
    return { blobs: k ? [k.blob] : [], types: k ? [k.type] : [], source: 'the inventory (ssh.hostKey)', revoked, revokedSource: knownHostsFile };
  }
  const out: ExpectedKeys = { blobs: [], types: [], source: knownHostsFile, revoked, revokedSource: knownHostsFile };
  // Only plain entries vouch for a key: @cert-authority lines name a CA (certificates are not supported here).
  for (const l of lines.filter((x) => x.marker === null)) {
    out.blobs.push(l.key.blob);
    if (!out.types.includes(l.key.type)) out.types.push(l.key.type);
  }
  return out;
}

/** ssh2 host key algorithm names that yield a key of the given type (an RSA key is signed with rsa-sha2-*). */
export function hostKeyAlgorithms(types: string[]): string[] {
  return types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
}

export class HostKeyError extends Error {}

/**
 * A verifier for ssh2's `hostVerifier` option plus a way to learn why it refused. ssh2 only reports
 * "Host denied (verification failed)", so we keep our own explanation to show the user instead.
 */
export function makeHostVerifier(label: string, ssh: SshTarget, expected: ExpectedKeys): {
  verify: (key: Buffer) => boolean;
  refusal: () => HostKeyError | null;
} {
  let refusal: HostKeyError | null = null;
  const verify = (key: Buffer): boolean => {
    const where = joinHostPort(ssh.host, ssh.port);
    if (expected.revoked.some((b) => b.equals(key))) {
      refusal = new HostKeyError(
        `${label}: host key of ${where} (${fingerprint(key)}) is marked @revoked in ${expected.revokedSource}; refusing to connect`,
      );
      return false;
    }
    if (expected.blobs.some((b) => b.equals(key))) return true;
    refusal = new HostKeyError(
      expected.blobs.length === 0
        ? `${label}: host key of ${where} is unknown (${fingerprint(key)}); pin it in the inventory as ssh.hostKey ` +
            `or add it to ${expected.source} (ssh-keyscan, checked out of band)`
        : `${label}: HOST KEY MISMATCH for ${where}: the server offered ${fingerprint(key)} but ${expected.source} ` +
            `expects ${expected.blobs.map(fingerprint).join(' or ')}; refusing to connect (possible impersonation)`,
    );
    return false;
  };
  return { verify, refusal: () => refusal };
}
