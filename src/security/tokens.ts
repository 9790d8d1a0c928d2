// Bearer tokens (admin, client) and how a node checks them: it keeps only their SHA-256, never the token, and compares
// digests in constant time. Tokens travel as HTTP basic auth (user "admin" or "client"), which every XML-RPC client
// supports (an https://user:token@host:port URL in Python's xmlrpc.client).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenUser = 'admin' | 'client';

/** 32 random bytes, base64url: safe in a URL's userinfo and on a shell line without quoting. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when sha256(token) equals the stored hex digest; constant time in the token's content. */
export function tokenMatches(token: string, storedSha256Hex: string): boolean {
  const want = Buffer.from(storedSha256Hex, 'hex');
  const got = createHash('sha256').update(token, 'utf8').digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The user and password of an `Authorization: Basic ...` header, or null when there is none or it is malformed. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (header === undefined || header.length > 1024) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function basicAuthHeader(user: TokenUser, token: string): string {
  return `Basic ${Buffer.from(`${user}:${token}`, 'utf8').toString('base64')}`;
}
