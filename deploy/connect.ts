// Opens a verified, key-authenticated ssh connection to one inventory host. Connection time is bounded so an
// unreachable machine fails its own task quickly instead of holding up the report.
import { existsSync } from 'node:fs';
import { NodeSSH } from 'node-ssh';
import { expectedKeys, hostKeyAlgorithms, makeHostVerifier } from './host-key.js';
import type { InventoryHost } from './inventory.js';

export class ConnectError extends Error {}

export async function connectHost(host: InventoryHost, timeoutMs: number): Promise<NodeSSH> {
  const { ssh } = host;
  const expected = expectedKeys(ssh);
  const verifier = makeHostVerifier(host.name, ssh, expected);
  if (ssh.privateKeyPath === undefined && process.env.SSH_AUTH_SOCK === undefined) {
    throw new ConnectError(`${host.name}: no ssh.privateKeyPath in the inventory and no ssh agent (SSH_AUTH_SOCK)`);
  }
  if (ssh.privateKeyPath !== undefined && !existsSync(ssh.privateKeyPath)) {
    throw new ConnectError(`${host.name}: key file ${ssh.privateKeyPath} does not exist`);
  }
  const client = new NodeSSH();
  try {
    await client.connect({
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      // Key or agent only: no password, no keyboard-interactive.
      privateKeyPath: ssh.privateKeyPath,
      agent: ssh.privateKeyPath === undefined ? process.env.SSH_AUTH_SOCK : undefined,
      tryKeyboard: false,
      readyTimeout: timeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      hostVerifier: verifier.verify,
      algorithms: expected.types.length > 0 ? { serverHostKey: hostKeyAlgorithms(expected.types) } : undefined,
    });
  } catch (err) {
    client.dispose();
    const refused = verifier.refusal();
    if (refused) throw refused;
    const e = err as NodeJS.ErrnoException & { level?: string };
    const why = e.code ?? e.level ?? '';
    throw new ConnectError(`${host.name}: cannot connect to ${ssh.user}@${ssh.host}:${ssh.port}: ${e.message}${why ? ` (${why})` : ''}`);
  }
  return client;
}
