// Opens a verified, key-authenticated ssh connection to one inventory host. Connection time is bounded so an
// unreachable machine fails its own task quickly instead of holding up the report.
import { NodeSSH } from 'node-ssh';
import { joinHostPort } from '../src/util/host-port.js';
import { expectedKeys, hostKeyAlgorithms, makeHostVerifier } from './host-key.js';
import type { InventoryHost } from './inventory.js';
import { privateKeyProblem } from './key-file.js';

export class ConnectError extends Error {}

export async function connectHost(host: InventoryHost, timeoutMs: number): Promise<NodeSSH> {
  const { ssh } = host;
  const expected = expectedKeys(ssh);
  const verifier = makeHostVerifier(host.name, ssh, expected);
  if (ssh.privateKeyPath === undefined && process.env.SSH_AUTH_SOCK === undefined) {
    throw new ConnectError(`${host.name}: no ssh.privateKeyPath in the inventory and no ssh agent (SSH_AUTH_SOCK)`);
  }
  const keyProblem = ssh.privateKeyPath === undefined ? null : privateKeyProblem(ssh.privateKeyPath);
  if (keyProblem !== null) throw new ConnectError(`${host.name}: ${keyProblem}`);
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
    throw new ConnectError(`${host.name}: cannot connect to ${ssh.user}@${joinHostPort(ssh.host, ssh.port)}: ${e.message}${why ? ` (${why})` : ''}`);
  }
  return client;
}
