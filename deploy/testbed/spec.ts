// Names and addresses of one testbed. Everything the testbed creates carries its prefix, so `down` can find exactly
// what `up` made (and two testbeds with different prefixes and subnets can coexist, e.g. a user's and the tests').

export interface TestbedSpec {
  /** Prefix of namespace, interface and table names (short: interface names are limited to 15 bytes). */
  prefix: string;
  /** First three octets of the /24 the hosts live on; .1 is this machine's side of the bridge, host i is .(i+1). */
  subnet: string;
  /** Keys, per-host homes, /tmp dirs, sshd configs and pid files. Not under /tmp: each host's /tmp is a bind mount. */
  stateDir: string;
  /** Port the nodes will serve on (written into the inventory). */
  nodePort: number;
}

export function defaultSpec(over: Partial<TestbedSpec> = {}): TestbedSpec {
  const prefix = over.prefix ?? 'rxtb';
  return {
    prefix,
    subnet: over.subnet ?? '10.77.0',
    stateDir: over.stateDir ?? `/var/tmp/raft-xmlrpc-testbed-${prefix}`,
    nodePort: over.nodePort ?? 8000,
  };
}

export interface HostNames {
  /** Host name (inventory name and hostname inside the host). */
  name: string;
  netns: string;
  /** This machine's end of the veth pair (the host's end is eth0). */
  veth: string;
  ip: string;
  dir: string;
}

export function hostNames(spec: TestbedSpec, i: number): HostNames {
  const name = `h${i}`;
  return {
    name,
    netns: `${spec.prefix}-${name}`,
    veth: `${spec.prefix}-${name}`,
    ip: `${spec.subnet}.${i + 1}`,
    dir: `${spec.stateDir}/${name}`,
  };
}

export const bridgeName = (spec: TestbedSpec): string => `${spec.prefix}br0`;
export const bridgeIp = (spec: TestbedSpec): string => `${spec.subnet}.1`;
/** The key the deploy tasks log in with (authorized on every host). */
export const clientKeyPath = (spec: TestbedSpec): string => `${spec.stateDir}/id_ed25519`;
