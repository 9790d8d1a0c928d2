// The testbed's network: one bridge on this machine (.1), and per host a network namespace joined to it by a veth
// pair (eth0 inside, with the host's address). No default route: the hosts reach each other and this machine only.
import { bridgeIp, bridgeName, type HostNames, type TestbedSpec } from './spec.js';
import { sys } from './sys.js';

const linkExists = (name: string): boolean => sys('ip', ['link', 'show', 'dev', name], { allowFail: true }).code === 0;

export function listNetns(): string[] {
  return sys('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((n) => n !== '');
}

export function ensureBridge(spec: TestbedSpec): void {
  const br = bridgeName(spec);
  if (!linkExists(br)) {
    sys('ip', ['link', 'add', br, 'type', 'bridge']);
    sys('ip', ['addr', 'add', `${bridgeIp(spec)}/24`, 'dev', br]);
  }
  sys('ip', ['link', 'set', br, 'up']);
}

export function ensureHostNetwork(spec: TestbedSpec, h: HostNames): void {
  if (!listNetns().includes(h.netns)) sys('ip', ['netns', 'add', h.netns]);
  const inNs = (args: string[], allowFail = false): ReturnType<typeof sys> => sys('ip', ['-n', h.netns, ...args], { allowFail });
  if (!linkExists(h.veth)) {
    // A leftover eth0 in the namespace (veth's other end deleted) would block creating the pair.
    inNs(['link', 'del', 'eth0'], true);
    sys('ip', ['link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
  }
  sys('ip', ['link', 'set', h.veth, 'master', bridgeName(spec), 'up']);
  if (!inNs(['-o', 'addr', 'show', 'dev', 'eth0']).stdout.includes(` ${h.ip}/24 `)) inNs(['addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
  inNs(['link', 'set', 'eth0', 'up']);
  inNs(['link', 'set', 'lo', 'up']);
}

/** Pids of every process in the namespace (sshd, shells, nodes). */
export function netnsPids(netns: string): number[] {
  const r = sys('ip', ['netns', 'pids', netns], { allowFail: true });
  return r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

export function removeHostNetwork(netns: string, veth: string): void {
  for (const pid of netnsPids(netns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (linkExists(veth)) sys('ip', ['link', 'del', veth], { allowFail: true });
  sys('ip', ['netns', 'del', netns], { allowFail: true });
}

export function removeBridge(spec: TestbedSpec): void {
  if (linkExists(bridgeName(spec))) sys('ip', ['link', 'del', bridgeName(spec)]);
}

export { linkExists };
