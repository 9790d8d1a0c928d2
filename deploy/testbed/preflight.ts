// Can this machine run the testbed? One clear sentence when it cannot (tests skip with it; the CLI prints it).
import { existsSync } from 'node:fs';
import { sys } from './sys.js';

export const SSHD = '/usr/sbin/sshd';

export function testbedUnavailable(): string | null {
  if (process.platform !== 'linux') return 'the testbed needs Linux network namespaces';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the testbed needs root (network namespaces, bridges, mounts): run as root or with sudo';
  if (sys('ip', ['netns', 'list'], { allowFail: true }).code !== 0) return "no `ip netns` here (install iproute2; the kernel needs network namespaces)";
  if (!existsSync(SSHD)) return `no ${SSHD} (install openssh-server)`;
  if (sys('unshare', ['--version'], { allowFail: true }).code !== 0) return 'no unshare (util-linux)';
  if (sys('sh', ['-c', 'command -v ssh-keygen'], { allowFail: true }).code !== 0) return 'no ssh-keygen (install openssh-client)';
  // Root in a container may still lack the capabilities: try what `up` does, in miniature, and undo it.
  const probe = `rxprobe-${process.pid}`;
  const made = sys('ip', ['netns', 'add', probe], { allowFail: true });
  if (made.code !== 0) return `cannot create a network namespace here (${made.stderr.trim().split('\n')[0]})`;
  const inside = sys('ip', ['netns', 'exec', probe, 'unshare', '--uts', '--pid', '--fork', '--kill-child', '--mount-proc', 'true'], { allowFail: true });
  sys('ip', ['netns', 'del', probe], { allowFail: true });
  if (inside.code !== 0) return `cannot create PID/UTS/mount namespaces here (${inside.stderr.trim().split('\n')[0]})`;
  return null;
}
