// The deploy inventory and the node program hold cluster.json to the same rules (src/protocol/cluster-config.ts):
// what a node refuses at start, the inventory refuses before anything is shipped, with the same words after its own
// "where"; and every setting the inventory accepts reaches the cluster.json a real node then starts from.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { clusterConfigOf, InventoryError, loadInventory } from '../../deploy/inventory.js';
import { ConfigError, formatClusterConfig, parseClusterConfig } from '../../src/protocol/cluster-config.js';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { NODE_MAIN, runNodeToExit } from './helpers.js';

const inventoryWith = (cluster: Record<string, unknown>, node: string): unknown => ({
  cluster,
  hosts: [{ name: 'h1', node, dir: '/srv/raft', ssh: { host: '127.0.0.1', user: 'raft' } }],
});

/** Starts the node program on `config` and resolves once it prints READY; the caller kills it by pid. */
function startNode(args: string[], timeoutMs: number): Promise<{ kill: () => Promise<void> }> {
  const child = spawn(process.execPath, [NODE_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no READY within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    const early = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before READY: ${stderr.trim()}`));
    };
    child.once('exit', early);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({
        kill: async () => {
          process.kill(child.pid!, 'SIGKILL');
          await exited;
        },
      });
    });
  });
}

describe('deploy inventory and node program agree on cluster.json (real node processes)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'raft-invagree-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Timings a node refuses: out of range, of the wrong type, heartbeat vs tick, election vs heartbeat, no lease left.
  const badTimings: Record<string, unknown>[] = [
    { heartbeatMs: 0 },
    { electionTimeoutMs: '300' },
    { tickMs: 4_000_000 },
    { tickMs: 60 },
    { heartbeatMs: 100, electionTimeoutMs: 150 },
    { readMode: 'lease', tickMs: 10, heartbeatMs: 10, electionTimeoutMs: 20 },
    { clockDrift: 0.9 },
    { dedupWindow: 10 },
    { electionTimeout: 300 },
  ];

  for (const cluster of badTimings) {
    it(`refuses ${JSON.stringify(cluster)} in both, with the same message`, async () => {
      const [port] = await findFreePorts(1);
      const id = `127.0.0.1:${port}`;
      const invFile = join(dir, `inventory-${port}.json`);
      writeFileSync(invFile, JSON.stringify(inventoryWith(cluster, id)));
      let invMessage = '';
      try {
        loadInventory(invFile);
        expect.fail('the inventory accepted it');
      } catch (err) {
        expect(err).to.be.instanceOf(InventoryError);
        invMessage = (err as Error).message;
      }
      const cfgFile = join(dir, `cluster-${port}.json`);
      writeFileSync(cfgFile, JSON.stringify({ nodes: [id], ...cluster }));
      const r = await runNodeToExit(['--config', cfgFile, '--data-dir', join(dir, `data-${port}`), '--id', id, '--insecure']);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.equal('');
      const nodeLine = r.stderr.trim();
      expect(nodeLine.split('\n')).to.have.length(1);
      const nodePrefix = `error: ${cfgFile}: `;
      const invPrefix = `inventory ${invFile}: cluster: `;
      expect(nodeLine.startsWith(nodePrefix), nodeLine).to.equal(true);
      expect(invMessage.startsWith(invPrefix), invMessage).to.equal(true);
      // The same reason, word for word, after each one's "where".
      expect(invMessage.slice(invPrefix.length)).to.equal(nodeLine.slice(nodePrefix.length));
    });
  }

  it('carries every setting it accepts into the cluster.json a real node starts from', async () => {
    const [port] = await findFreePorts(1);
    const id = `127.0.0.1:${port}`;
    const settings = { tickMs: 5, heartbeatMs: 40, electionTimeoutMs: 400, dedupWindow: 5000, readMode: 'lease', clockDrift: 0.1 };
    const invFile = join(dir, 'inventory-good.json');
    writeFileSync(invFile, JSON.stringify(inventoryWith(settings, id)));
    const inv = loadInventory(invFile);
    const cfgFile = join(dir, 'cluster-good.json');
    writeFileSync(cfgFile, formatClusterConfig(clusterConfigOf(inv), 'cluster'));
    // Nothing dropped on the way (readMode, dedupWindow and clockDrift once were).
    expect(parseClusterConfig(readFileSync(cfgFile, 'utf8'), cfgFile)).to.deep.include({ nodes: [id], ...settings });
    const node = await startNode(['--config', cfgFile, '--data-dir', join(dir, 'good-data'), '--id', id, '--insecure', '--log-level', 'warn'], 20_000);
    await node.kill();
  });

  it('the local cluster refuses the same timings before starting anything, in the same words', async () => {
    const ports = await findFreePorts(3);
    const err = await startLocalCluster({ nodes: 3, ports, dataDir: join(dir, 'local'), heartbeatMs: 100, electionTimeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).reason).to.equal('electionTimeoutMs (150) must be at least twice heartbeatMs (100)');
    expect(existsSync(join(dir, 'local'))).to.equal(false);
  });

  it('refuses a security section: the deploy sets it', () => {
    const invFile = join(dir, 'inventory-sec.json');
    writeFileSync(invFile, JSON.stringify(inventoryWith({ security: { tls: false } }, '127.0.0.1:8000')));
    expect(() => loadInventory(invFile)).to.throw(InventoryError, /cluster\.security is not allowed: deploy sets it/);
  });
});
