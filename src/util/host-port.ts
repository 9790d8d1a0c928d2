// The one parser and joiner for "HOST:PORT" strings (node ids, client endpoints, inventory addresses). IPv6 literals
// are written in brackets, "[::1]:8000", as in URLs: the brackets belong to the text form only, so the host handed to
// net/http is "::1" and joining it back gives the same id string.
import { isIP, isIPv6 } from 'node:net';

export class HostPortError extends Error {
  /** What is wrong, without the prefix and the quoted input (for callers that phrase their own message). */
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.name = 'HostPortError';
    this.reason = reason;
  }
}

export interface HostPort {
  /** Without brackets: what net.connect / server.listen take. */
  host: string;
  port: number;
}

/** Hostnames and IPv4: letters, digits, '.', '-', '_' (no spaces, no ':' and no brackets). */
const PLAIN_HOST = /^[A-Za-z0-9._-]+$/;

/**
 * Splits "host:port" or "[ipv6]:port"; throws HostPortError with a one-line message (prefixed with `what`) otherwise.
 * The port is 1..65535 in plain decimal digits ("8e3" or "+80" are not ports).
 */
export function splitHostPort(s: string, what = 'address'): HostPort {
  const bad = (why: string): HostPortError => new HostPortError(`${what}: ${JSON.stringify(s)} is not HOST:PORT (${why})`, why);
  const colon = s.lastIndexOf(':');
  if (colon < 0) throw bad('no port');
  const portText = s.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw bad('the port must be 1..65535');
  const hostText = s.slice(0, colon);
  if (hostText.startsWith('[')) {
    const host = hostText.endsWith(']') ? hostText.slice(1, -1) : '';
    if (!isIPv6(host)) throw bad('brackets must hold an IPv6 address');
    return { host, port };
  }
  if (hostText.includes(':')) {
    throw bad(isIPv6(hostText) ? `write an IPv6 address in brackets: [${hostText}]:${port}` : 'a host cannot hold ":"');
  }
  if (!PLAIN_HOST.test(hostText)) throw bad(hostText === '' ? 'no host' : 'the host may hold only letters, digits, ".", "-" and "_"');
  return { host: hostText, port };
}

/** The inverse of splitHostPort: "[::1]:8000" for IPv6 hosts, "host:8000" otherwise. */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A bare host as an operator may write it ("10.0.0.1", "::1" or "[::1]") -> the form splitHostPort returns. */
export function bareHost(s: string): string {
  return s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
}
