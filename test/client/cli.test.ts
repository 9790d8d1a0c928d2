// The run_client command as a user runs it (a real child process) against fake nodes over real XML-RPC.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadAddress, startFakeCluster, type FakeCluster } from './fake-cluster.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/client/cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process's event loop (the fake nodes live here). */
function runCli(args: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

describe('run_client CLI', function () {
  this.timeout(60_000);
  let fc: FakeCluster;
  let dir: string;
  let nodesArg: string[];

  beforeEach(async () => {
    fc = await startFakeCluster(3, 1);
    nodesArg = ['--nodes', fc.nodes.join(',')];
    dir = mkdtempSync(path.join(tmpdir(), 'run-client-'));
  });
  afterEach(async () => {
    await fc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with no command adds one entry through the leader, like the ancestor client', async () => {
    const r = await runCli(nodesArg);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^committed: addEntry\\(tid=\\S+\\) via leader ${fc.nodes[1]}\\n$`));
    expect(fc.committed).to.have.length(1);
  });

  it('add --count N --concurrency C commits them all and prints entries/s and latency percentiles', async () => {
    const r = await runCli([...nodesArg, 'add', 'payload', '--count', '40', '--concurrency', '8']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^40 of 40 entries committed in [\d.]+ s with 8 in flight: \d+ entries\/s, latency p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(new Set(fc.committed).size).to.equal(40);
  });

  it('set, get, leader, status and suspend', async () => {
    expect((await runCli([...nodesArg, 'set', 'color', 'blue'])).code).to.equal(0);
    const get = await runCli([...nodesArg, 'get', 'color']);
    expect([get.code, get.stdout]).to.deep.equal([0, 'blue\n']);
    const leader = await runCli([...nodesArg, 'leader']);
    expect([leader.code, leader.stdout]).to.deep.equal([0, `${fc.nodes[1]}\n`]);

    const dead = await deadAddress();
    const status = await runCli(['--nodes', [...fc.nodes, dead].join(','), 'status', '--timeout', '1000']);
    expect(status.code).to.equal(0);
    const rows = lines(status.stdout);
    expect(rows[0]).to.match(/^node\s+role\s+term\s+leader\s+commit\s+applied\s+lastLog\s+member$/);
    expect(rows[2]).to.match(new RegExp(`^${fc.nodes[1]}\\s+leader\\s+3\\s+${fc.nodes[1]}\\s+1\\s+1\\s+1\\s+voter$`));
    expect(rows[4]).to.match(new RegExp(`^${dead}\\s+unreachable: `));

    const suspend = await runCli([...nodesArg, 'suspend', '1', '1']);
    expect([suspend.code, suspend.stdout]).to.deep.equal([0, `${fc.nodes[0]} suspended for 1 s\n`]);
  });

  it('exits 1 with one clear line when no leader answers in time', async () => {
    fc.leader = null;
    fc.hint = null;
    const r = await runCli([...nodesArg, '--timeout', '300', '--deadline', '1200']);
    expect(r.code).to.equal(1);
    expect(lines(r.stderr)).to.have.length(1);
    expect(r.stderr).to.match(/^run_client: no leader answered within \d+ ms \(asked: 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)\n$/);
    expect((await runCli([...nodesArg, 'leader', '--timeout', '300'])).code).to.equal(1);
  });

  it('exits 2 with one line when the target list is missing or broken, or the usage is wrong', async () => {
    const missing = await runCli([], { cwd: dir });
    expect(missing.code).to.equal(2);
    expect(lines(missing.stderr)).to.have.length(1);
    expect(missing.stderr).to.contain('no target nodes').and.contain('data/cluster/cluster.json');

    writeFileSync(path.join(dir, 'bad.json'), '{ "nodes": [');
    writeFileSync(path.join(dir, 'empty.json'), '{ "tickMs": 10 }');
    writeFileSync(path.join(dir, 'port.json'), '{ "nodes": ["127.0.0.1:99999"] }');
    // A configuration the nodes would refuse is refused here too, in their words (src/protocol/cluster-config.ts).
    writeFileSync(path.join(dir, 'timing.json'), '{ "nodes": ["127.0.0.1:8000"], "heartbeatMs": 100, "electionTimeoutMs": 150 }');
    for (const [file, text] of [
      ['bad.json', 'is not valid JSON'],
      ['empty.json', '"nodes" must be a non-empty array'],
      ['port.json', '"127.0.0.1:99999" is not HOST:PORT'],
      ['timing.json', 'timing.json: electionTimeoutMs (150) must be at least twice heartbeatMs (100)'],
      ['none.json', 'cannot read cluster config'],
    ]) {
      const r = await runCli(['--config', file], { cwd: dir });
      expect(r.code, file).to.equal(2);
      expect(lines(r.stderr), file).to.have.length(1);
      expect(r.stderr, file).to.contain(text);
    }
    const usage = await runCli([...nodesArg, 'frobnicate']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.equal("run_client: unknown command 'frobnicate' (try --help)\n");

    const help = await runCli(['help']);
    expect([help.code, help.stderr]).to.deep.equal([0, '']);
    expect(help.stdout).to.match(/^usage: npm run run_client/).and.match(/^ {2}suspend NODE\|INDEX SECONDS /m).and.match(/--deadline MS +per operation/);
  });

  it('finds targets in --config, --inventory, ./inventory.json, then data/cluster/cluster.json', async () => {
    mkdirSync(path.join(dir, 'data', 'cluster'), { recursive: true });
    writeFileSync(path.join(dir, 'data', 'cluster', 'cluster.json'), JSON.stringify({ nodes: fc.nodes }));
    expect((await runCli(['leader'], { cwd: dir })).stdout).to.equal(`${fc.nodes[1]}\n`);

    // ./inventory.json wins over the local cluster: point it at a lone dead node to tell them apart.
    const dead = await deadAddress();
    writeFileSync(path.join(dir, 'inventory.json'), JSON.stringify({ hosts: [{ name: 'h1', node: dead }] }));
    const viaInventory = await runCli(['leader', '--timeout', '300'], { cwd: dir });
    expect(viaInventory.code).to.equal(1);
    expect(viaInventory.stderr).to.contain(dead);

    writeFileSync(path.join(dir, 'inv2.json'), JSON.stringify({ hosts: fc.nodes.map((node, i) => ({ name: `h${i}`, node })) }));
    expect((await runCli(['--inventory', 'inv2.json', 'leader'], { cwd: dir })).stdout).to.equal(`${fc.nodes[1]}\n`);
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ nodes: [fc.nodes[0]], heartbeatMs: 50 }));
    expect((await runCli(['--config', 'c.json', 'leader'], { cwd: dir })).stdout).to.equal(`${fc.nodes[1]}\n`);
    // Two target options: the last one counts (deploy's run_client wrapper gives --config before the user's options).
    expect((await runCli(['--config', 'none.json', ...nodesArg, 'leader'], { cwd: dir })).stdout).to.equal(`${fc.nodes[1]}\n`);
    expect((await runCli([...nodesArg, '--config', 'none.json', 'leader'], { cwd: dir })).stderr).to.match(/^run_client: cannot read cluster config \S*none\.json/);
  });

  it('shell: runs piped commands in order', async () => {
    const script = [
      'help',
      'getleader',
      'setval greeting hello world',
      'getval greeting',
      'add some data',
      `connect ${fc.nodes[2]}`,
      'getleader',
      'status',
      'nonsense',
      'quit',
      'getleader',
    ].join('\n');
    const r = await runCli([...nodesArg, 'shell'], { stdin: `${script}\n` });
    expect(r.code).to.equal(1); // one command failed
    const out = lines(r.stdout);
    const afterHelp = out.slice(out.findIndex((l) => l.startsWith('  quit')) + 1);
    expect(afterHelp[0]).to.equal(fc.nodes[1]);
    expect(afterHelp[1]).to.equal('committed: greeting = hello world');
    expect(afterHelp[2]).to.equal('hello world');
    expect(afterHelp[3]).to.match(/^committed: addEntry/);
    expect(afterHelp[4]).to.equal(`connected to ${fc.nodes[2]}`);
    expect(afterHelp[5]).to.equal(fc.nodes[1]);
    expect(afterHelp[6]).to.match(/^node\s+role/);
    expect(afterHelp[7]).to.match(new RegExp(`^${fc.nodes[2]}\\s+follower`));
    expect(afterHelp).to.have.length(8); // nothing after quit
    expect(r.stderr).to.equal("error: unknown command 'nonsense' (try help)\n");
    const clean = await runCli([...nodesArg, 'shell'], { stdin: 'getval nothing\n' }); // EOF ends it too
    expect([clean.code, clean.stdout]).to.deep.equal([0, '\n']);
  });
});
