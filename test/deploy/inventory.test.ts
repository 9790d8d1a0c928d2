// The inventory is what users edit by hand: every mistake must come back as one line naming the field, and the cluster
// configuration the nodes read must be derived from it (one source of truth).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { clusterConfigOf, InventoryError, loadInventory, nodeHost, parseInventory } from '../../deploy/inventory.js';

const host = (name: string, ip: string): Record<string, unknown> => ({
  name, node: `${ip}:8000`, dir: '/root/raft-xmlrpc',
  ssh: { host: ip, user: 'root', privateKeyPath: '/root/.ssh/id_ed25519', hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA' },
});

function errorOf(raw: unknown): string {
  try {
    parseInventory(raw);
  } catch (err) {
    expect(err).to.be.instanceOf(InventoryError);
    return (err as Error).message;
  }
  throw new Error('expected an InventoryError');
}

describe('deploy inventory', () => {
  it('derives cluster.json from the hosts and the cluster section', () => {
    const inv = parseInventory({ cluster: { heartbeatMs: 40, electionTimeoutMs: 400 }, hosts: [host('a', '10.0.0.1'), host('b', '10.0.0.2')] });
    expect(clusterConfigOf(inv)).to.deep.equal({ nodes: ['10.0.0.1:8000', '10.0.0.2:8000'], heartbeatMs: 40, electionTimeoutMs: 400 });
    expect(inv.hosts[0].ssh.port).to.equal(22);
  });

  it('names the bad field in one line', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /hosts must be a non-empty array/],
      [{ hosts: [{ ...host('a', '10.0.0.1'), node: '10.0.0.1' }] }, /hosts\[0\]\.node must be "HOST:PORT"/],
      [{ hosts: [{ ...host('a', '10.0.0.1'), dir: 'relative' }] }, /hosts\[0\]\.dir must be an absolute path/],
      [{ hosts: [{ ...host('../x', '10.0.0.1') }] }, /hosts\[0\]\.name/],
      [{ hosts: [host('a', '10.0.0.1'), host('a', '10.0.0.2')] }, /"a" appears twice/],
      [{ hosts: [host('a', '10.0.0.1'), host('b', '10.0.0.1')] }, /node address "10.0.0.1:8000" appears twice/],
      [{ hosts: [{ ...host('a', '10.0.0.1'), ssh: { host: 'x', user: 'u', password: 'p' } }] }, /password is not supported/],
      [{ hosts: [{ ...host('a', '10.0.0.1'), ssh: { host: 'x', user: 'u', port: 70000 } }] }, /ssh\.port must be a port/],
      [{ cluster: { heartbeatMs: -1 }, hosts: [host('a', '10.0.0.1')] }, /cluster: "heartbeatMs" must be a whole number/],
      // The node program's own rules, not a copy: what a node would refuse, the inventory refuses before shipping it.
      [{ cluster: { heartbeatMs: 100, electionTimeoutMs: 150 }, hosts: [host('a', '10.0.0.1')] }, /electionTimeoutMs \(150\) must be at least twice heartbeatMs \(100\)/],
      [{ cluster: { tickMs: 60 }, hosts: [host('a', '10.0.0.1')] }, /heartbeatMs \(50\) is shorter than tickMs \(60\)/],
      [{ cluster: { electionTimeout: 300 }, hosts: [host('a', '10.0.0.1')] }, /cluster: unknown key "electionTimeout"; did you mean "electionTimeoutMs"\?/],
      [{ cluster: { nodes: ['x:1'] }, hosts: [host('a', '10.0.0.1')] }, /cluster\.nodes is not allowed/],
      [{ hosts: [{ ...host('a', '10.0.0.1'), node: '::1:8000' }] }, /hosts\[0\]\.node must be "HOST:PORT", got "::1:8000" \(write an IPv6 address in brackets: \[::1\]:8000\)/],
    ];
    for (const [raw, re] of cases) {
      const msg = errorOf(raw);
      expect(msg).to.match(re);
      expect(msg).to.not.include('\n');
    }
  });

  it('accepts IPv6 node addresses in brackets; the address file host is unbracketed', () => {
    const inv = parseInventory({ hosts: [{ ...host('a', '10.0.0.1'), node: '[fd00::1]:8000' }, host('b', '10.0.0.2'), host('c', '10.0.0.3')] });
    expect(clusterConfigOf(inv).nodes[0]).to.equal('[fd00::1]:8000');
    expect(nodeHost(inv.hosts[0])).to.equal('fd00::1');
    expect(nodeHost(inv.hosts[1])).to.equal('10.0.0.2');
  });

  it('says how to create a missing inventory and where invalid JSON is', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'inv-'));
    expect(() => loadInventory(path.join(dir, 'inventory.json'))).to.throw(InventoryError, /inventory\.example\.json/);
    writeFileSync(path.join(dir, 'bad.json'), '{ "hosts": [ ');
    expect(() => loadInventory(path.join(dir, 'bad.json'))).to.throw(InventoryError, /bad\.json is not valid JSON/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the checked-in example', () => {
    const inv = loadInventory(new URL('../../../deploy/inventory.example.json', import.meta.url).pathname);
    expect(inv.hosts.length).to.be.greaterThan(1);
  });
});
