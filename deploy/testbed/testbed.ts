// `up` and `down` of the local multi-host ssh testbed, plus the handles tests and the chaos tools use (host names,
// power, partitions). `up` is idempotent: it keeps keys and running machines and only adds what is missing.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Inventory } from '../inventory.js';
import { ensureKey, hostPublicKey, machineRunning, powerOff, powerOn, prepareMachine } from './host-machine.js';
import { ensureBridge, ensureHostNetwork, linkExists, listNetns, netnsPids, removeBridge, removeHostNetwork } from './network.js';
import { testbedUnavailable } from './preflight.js';
import { bridgeName, clientKeyPath, hostNames, type HostNames, type TestbedSpec } from './spec.js';
import { TestbedError, waitFor } from './sys.js';
import { joinHostPort } from '../../src/util/host-port.js';

export { partition, heal, type PartitionOptions } from './partition.js';
export { powerOff, powerOn, machineRunning } from './host-machine.js';
export { defaultSpec, hostNames, type TestbedSpec, type HostNames } from './spec.js';
export { testbedUnavailable } from './preflight.js';

/** Host indexes of this testbed's namespaces that exist now (from `ip netns list`). */
function existingHostIndexes(spec: TestbedSpec): number[] {
  const re = new RegExp(`^${spec.prefix}-h(\\d+)$`);
  return listNetns().flatMap((n) => {
    const m = re.exec(n);
    return m ? [Number(m[1])] : [];
  });
}

export function inventoryFor(spec: TestbedSpec, hosts: HostNames[]): Inventory {
  return {
    cluster: { heartbeatMs: 50, electionTimeoutMs: 300 },
    hosts: hosts.map((h) => ({
      name: h.name,
      node: joinHostPort(h.ip, spec.nodePort),
      dir: '/root/raft-xmlrpc',
      ssh: { host: h.ip, port: 22, user: 'root', privateKeyPath: clientKeyPath(spec), hostKey: hostPublicKey(h) },
    })),
  };
}

export async function testbedUp(spec: TestbedSpec, count: number, inventoryFile: string | null, log: (s: string) => void = () => {}): Promise<Inventory> {
  const why = testbedUnavailable();
  if (why !== null) throw new TestbedError(`cannot run the testbed: ${why}`);
  if (!Number.isInteger(count) || count < 1 || count > 200) throw new TestbedError('--hosts must be 1..200');
  mkdirSync(spec.stateDir, { recursive: true, mode: 0o700 });
  ensureKey(clientKeyPath(spec), 'raft-xmlrpc testbed client');
  ensureBridge(spec);
  // Hosts beyond the requested count (from an earlier, larger `up`) are taken down so the inventory matches reality.
  for (const i of existingHostIndexes(spec).filter((i) => i > count)) {
    const h = hostNames(spec, i);
    removeHostNetwork(h.netns, h.veth);
    rmSync(h.dir, { recursive: true, force: true });
  }
  const hosts = Array.from({ length: count }, (_, k) => hostNames(spec, k + 1));
  await Promise.all(hosts.map(async (h) => {
    ensureHostNetwork(spec, h);
    prepareMachine(spec, h);
    const was = machineRunning(h);
    await powerOn(h);
    log(`${h.name}: ${h.ip} (netns ${h.netns}) ${was ? 'already up' : 'up'}`);
  }));
  const inv = inventoryFor(spec, hosts);
  if (inventoryFile !== null) writeFileSync(inventoryFile, JSON.stringify(inv, null, 2) + '\n');
  return inv;
}

/** Removes every namespace, interface, process and state dir this testbed made. Safe to run twice. */
export async function testbedDown(spec: TestbedSpec, log: (s: string) => void = () => {}): Promise<void> {
  const indexes = existingHostIndexes(spec);
  for (const i of indexes) {
    const h = hostNames(spec, i);
    await powerOff(h).catch(() => undefined);
    removeHostNetwork(h.netns, h.veth);
    log(`${h.name}: removed`);
  }
  removeBridge(spec);
  const gone = await waitFor(() => existingHostIndexes(spec).every((i) => netnsPids(hostNames(spec, i).netns).length === 0), 5000);
  if (!gone || existingHostIndexes(spec).length > 0 || linkExists(bridgeName(spec))) {
    throw new TestbedError(`testbed ${spec.prefix}: something is left: namespaces ${existingHostIndexes(spec).join(',') || 'none'}, bridge ${linkExists(bridgeName(spec)) ? 'still there' : 'gone'}`);
  }
  if (existsSync(spec.stateDir)) rmSync(spec.stateDir, { recursive: true, force: true });
}
