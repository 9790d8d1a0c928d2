// One simulated machine: its keys, sshd config and "power". The machine is a process tree started with
//   ip netns exec NS unshare --uts --pid --fork --kill-child --mount-proc sh -c '...; exec sshd -D'
// so it has its own network, hostname, process list (sshd is its PID 1) and mounts (private /root and /tmp bound from
// its state dir). Killing that PID 1 kills everything on the machine at once: a power cut.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { q } from '../shell-quote.js';
import { SSHD } from './preflight.js';
import { netnsPids } from './network.js';
import { clientKeyPath, type HostNames, type TestbedSpec } from './spec.js';
import { pidAlive, sys, TestbedError, waitFor } from './sys.js';

const hostKeyFile = (h: HostNames): string => `${h.dir}/ssh_host_ed25519_key`;
const pidFile = (h: HostNames): string => `${h.dir}/machine.pid`;

export function ensureKey(file: string, comment: string): void {
  if (!existsSync(file)) sys('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

/** "ssh-ed25519 AAAA..." of the machine's host key, to pin in the inventory. */
export function hostPublicKey(h: HostNames): string {
  return readFileSync(`${hostKeyFile(h)}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export function prepareMachine(spec: TestbedSpec, h: HostNames): void {
  for (const d of [h.dir, `${h.dir}/root/.ssh`, `${h.dir}/tmp`]) mkdirSync(d, { recursive: true });
  ensureKey(hostKeyFile(h), `${h.name} host key`);
  writeFileSync(`${h.dir}/authorized_keys`, readFileSync(`${clientKeyPath(spec)}.pub`));
  // Debian's sshd works started by hand with: no PAM, no strict modes (the state dir is root's but lives in /var/tmp),
  // keys only, sftp served in-process. The paths are absolute and outside the host's private /root and /tmp.
  const config = [
    `ListenAddress ${h.ip}`,
    'Port 22',
    `HostKey ${hostKeyFile(h)}`,
    `AuthorizedKeysFile ${h.dir}/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PidFile none',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 50',
    'LogLevel ERROR',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
  writeFileSync(`${h.dir}/sshd_config`, config);
}

/** The machine's PID 1 seen from here (sshd), or null when it is off. */
export function machinePid1(h: HostNames): number | null {
  if (!existsSync(pidFile(h))) return null;
  const outer = Number(readFileSync(pidFile(h), 'utf8').trim());
  if (!Number.isInteger(outer) || outer <= 0 || !pidAlive(outer)) return null;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${outer}/task/${outer}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
  } catch {
    return null;
  }
  return children[0] ?? null;
}

export const machineRunning = (h: HostNames): boolean => machinePid1(h) !== null;

async function sshBanner(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port: 22, timeout: 1000 });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('data', (d) => done(d.toString().startsWith('SSH-')));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

/** Powers the machine on (no-op if it runs) and waits until its sshd answers. */
export async function powerOn(h: HostNames): Promise<void> {
  if (!machineRunning(h)) {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const boot = [
      'set -e',
      `hostname ${q(h.name)}`,
      `mount --bind ${q(`${h.dir}/root`)} /root`,
      `mount --bind ${q(`${h.dir}/tmp`)} /tmp`,
      `exec ${SSHD} -D -e -f ${q(`${h.dir}/sshd_config`)}`,
    ].join('\n');
    const log = openSync(`${h.dir}/machine.log`, 'a');
    const child = spawn('ip', ['netns', 'exec', h.netns, 'unshare', '--uts', '--pid', '--fork', '--kill-child', '--mount-proc',
      '--propagation', 'private', 'sh', '-c', boot], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new TestbedError(`${h.name}: could not start its machine process`);
    writeFileSync(pidFile(h), `${child.pid}\n`);
  }
  if (!(await waitFor(() => sshBanner(h.ip), 15_000))) {
    const tail = existsSync(`${h.dir}/machine.log`) ? readFileSync(`${h.dir}/machine.log`, 'utf8').trim().split('\n').slice(-2).join(' | ') : '';
    throw new TestbedError(`${h.name}: sshd did not answer on ${h.ip}:22 within 15 s ${tail ? `(${tail})` : ''}`);
  }
}

/** Pulls the plug: SIGKILL to the machine's PID 1 takes every process on it down; waits until they are gone. */
export async function powerOff(h: HostNames): Promise<void> {
  const pid1 = machinePid1(h);
  if (pid1 !== null) process.kill(pid1, 'SIGKILL');
  const outer = existsSync(pidFile(h)) ? Number(readFileSync(pidFile(h), 'utf8').trim()) : 0;
  if (outer > 0 && pidAlive(outer)) {
    try {
      process.kill(outer, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  if (!(await waitFor(() => netnsPids(h.netns).length === 0, 10_000))) {
    throw new TestbedError(`${h.name}: processes still running 10 s after power off: ${netnsPids(h.netns).join(' ')}`);
  }
}
