// The node program as an operator meets it: one-line errors with exit code 2 for bad configuration, an address not
// in it and a port in use; READY on stdout's first line; a clean stop on SIGTERM that keeps the data.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePorts } from '../../src/node/ports.js';
import { Clients, makeNodeSecrets, NODE_MAIN, raftlogEntries, runNodeToExit as runNode, waitUntil, type NodeRun } from './helpers.js';

describe('node program', function () {
  this.timeout(30_000);
  let dir: string;
  let port: number;
  const clients = new Clients();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'raft-node-'));
    [port] = await findFreePorts(1);
  });
  after(() => {
    clients.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (name: string, content: string): string => {
    const f = join(dir, name);
    writeFileSync(f, content);
    return f;
  };

  const expectConfigError = (r: NodeRun, pattern: RegExp): void => {
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stdout).to.equal('');
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(pattern);
  };

  it('exits 2 with one line for a missing configuration file', async () => {
    expectConfigError(await runNode(['--config', join(dir, 'nope.json'), '--id', `127.0.0.1:${port}`]), /cannot read cluster configuration/);
  });

  it('exits 2 with one line for a configuration that is not valid', async () => {
    const bad = writeConfig('bad.json', '{ "nodes": [ "127.0.0.1:8000", ');
    expectConfigError(await runNode(['--config', bad, '--id', '127.0.0.1:8000']), /not valid JSON/);
    const noNodes = writeConfig('empty.json', '{ "nodes": [] }');
    expectConfigError(await runNode(['--config', noNodes, '--id', '127.0.0.1:8000']), /"nodes" must be a non-empty array/);
    const badTimes = writeConfig('times.json', '{ "nodes": ["127.0.0.1:8000"], "heartbeatMs": 100, "electionTimeoutMs": 150 }');
    expectConfigError(await runNode(['--config', badTimes, '--id', '127.0.0.1:8000']), /electionTimeoutMs/);
  });

  it('exits 2 with one line when its address is not in the configuration', async () => {
    const cfg = writeConfig('c.json', JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    const addr = writeConfig('address', '10.9.9.9:1234\n');
    expectConfigError(await runNode(['--config', cfg, '--address-file', addr, '--data-dir', join(dir, 'a')]), /not in the cluster configuration/);
    expectConfigError(await runNode(['--config', cfg, '--id', '127.0.0.1:1', '--data-dir', join(dir, 'a')]), /not in the cluster configuration/);
  });

  it('exits 2 with one line when its port is in use', async () => {
    const cfg = writeConfig('c2.json', JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    makeNodeSecrets(join(dir, 'b'), [`127.0.0.1:${port}`]);
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      expectConfigError(await runNode(['--config', cfg, '--id', `127.0.0.1:${port}`, '--data-dir', join(dir, 'b')]), /port \d+ .*in use/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('prints READY first, commits as a single-node cluster, stops cleanly on SIGTERM and keeps its data', async () => {
    const cfg = writeConfig('single.json', JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    const dataDir = join(dir, 'single');
    writeConfig('single-address', `127.0.0.1:${port}\n`);
    makeNodeSecrets(dataDir, [`127.0.0.1:${port}`]);
    const args = ['--config', cfg, '--address-file', join(dir, 'single-address'), '--data-dir', dataDir, '--log-level', 'warn'];
    for (const round of [1, 2]) {
      const child = spawn(process.execPath, [NODE_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
        await waitUntil('READY', 15_000, () => (stdout.includes('\n') ? true : undefined));
        expect(stdout.split('\n')[0]).to.equal(`READY 127.0.0.1:${port}`);
        const ep = `127.0.0.1:${port}`;
        await waitUntil('leadership', 10_000, async () => ((await clients.call(ep, 'isLeader')) === true ? true : undefined));
        expect(await clients.call(ep, 'addEntry', [`single-${round}`, `round ${round}`])).to.equal(true);
        clients.closeAll();
        child.kill('SIGTERM');
        expect(await exited).to.equal(0);
      } finally {
        clearTimeout(killer);
        child.kill('SIGKILL');
      }
    }
    const tids = raftlogEntries(dataDir).filter((e) => e.type === 'add').map((e) => e.tid);
    expect(tids).to.deep.equal(['single-1', 'single-2']);
  });
});
