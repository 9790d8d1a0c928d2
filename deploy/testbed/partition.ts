// Network partitions on the testbed, for tests and the chaos tools. `tc netem` is not in this kernel, so a partition
// is an nftables table inside the host's namespace that drops its traffic (all of it, or only to/from given peers);
// ssh (port 22) stays open by default so the deploy tasks can still reach a partitioned machine.
import type { HostNames, TestbedSpec } from './spec.js';
import { sys } from './sys.js';

export interface PartitionOptions {
  /** Only cut traffic to and from these addresses (other hosts' IPs); default: everything except loopback. */
  peers?: string[];
  /** Keep ssh to the machine working (default true). */
  allowSsh?: boolean;
}

const tableName = (spec: TestbedSpec): string => `${spec.prefix}_partition`;

export function partition(spec: TestbedSpec, h: HostNames, opts: PartitionOptions = {}): void {
  heal(spec, h);
  const ssh = opts.allowSsh ?? true;
  const match = opts.peers && opts.peers.length > 0 ? `{ ${opts.peers.join(', ')} }` : null;
  for (const ip of opts.peers ?? []) {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`partition: "${ip}" is not an IPv4 address`);
  }
  const input = ['iif "lo" accept', ssh ? 'tcp dport 22 accept' : '', match ? `ip saddr ${match} drop` : 'drop'];
  const output = ['oif "lo" accept', ssh ? 'tcp sport 22 accept' : '', match ? `ip daddr ${match} drop` : 'drop'];
  const rules = `table inet ${tableName(spec)} {
  chain input { type filter hook input priority -10; policy accept; ${input.filter((r) => r !== '').join('; ')}; }
  chain output { type filter hook output priority -10; policy accept; ${output.filter((r) => r !== '').join('; ')}; }
}
`;
  sys('ip', ['netns', 'exec', h.netns, 'nft', '-f', '-'], { input: rules });
}

export function heal(spec: TestbedSpec, h: HostNames): void {
  sys('ip', ['netns', 'exec', h.netns, 'nft', 'delete', 'table', 'inet', tableName(spec)], { allowFail: true });
}
