// The deploy tasks against a real 5-machine testbed on this host (network namespaces, one sshd each): the whole
// user flow from issue 3, host key refusal, an unreachable host, power cuts, partitions, and a clean `down`.
// Needs root, `ip netns` and sshd; otherwise every test here is skipped with the reason printed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Inventory } from '../../deploy/inventory.js';
import {
  defaultSpec, heal, hostNames, machineRunning, partition, powerOff, powerOn, testbedDown, testbedUnavailable, testbedUp,
} from '../../deploy/testbed/testbed.js';
import { deploy, leadersInStatus, nodeProgramMissing, REPO, runCli } from './helpers.js';
import { RpcClient, RpcFaultError } from '../../src/rpc/client.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';

const spec = defaultSpec({ prefix: 'rxt', subnet: '10.78.0' });
const HOSTS = 5;
const timings: string[] = [];
const timed = <T extends { ms: number }>(label: string, r: T): T => {
  timings.push(`${label}: ${(r.ms / 1000).toFixed(1)} s`);
  return r;
};

/** TCP connect outcome within 1.5 s: 'open', 'refused' (RST: reachable, nothing listening) or 'silent' (dropped). */
function probe(host: string, port: number): Promise<'open' | 'refused' | 'silent'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1500 });
    const done = (r: 'open' | 'refused' | 'silent'): void => {
      s.destroy();
      resolve(r);
    };
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'silent'));
    s.once('timeout', () => done('silent'));
  });
}

function processesMentioning(text: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return cmd.includes(text) ? [`${p}: ${cmd}`] : [];
    } catch {
      return [];
    }
  });
}

/** OpenSSH's client with the testbed key (the tests check the machines with a tool other than our own). */
function ssh(ip: string, cmd: string): string {
  return execFileSync('ssh', ['-i', `${spec.stateDir}/id_ed25519`, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', `root@${ip}`, cmd], { encoding: 'utf8', timeout: 20_000 });
}

describe('deploy on a 5-host ssh testbed (network namespaces)', function () {
  this.timeout(240_000);
  const unavailable = testbedUnavailable();
  let work = '';
  let inventoryFile = '';
  let inv: Inventory;

  before(async function () {
    if (unavailable !== null) {
      console.log(`      skipped: ${unavailable}`);
      this.skip();
    }
    await testbedDown(spec).catch(() => undefined);
    work = mkdtempSync(path.join(os.tmpdir(), 'deploy-e2e-'));
    inventoryFile = path.join(work, 'inventory.json');
    const up = await runCli('dist/deploy/testbed/cli.js', ['up', '--hosts', String(HOSTS), '--inventory', inventoryFile,
      '--prefix', spec.prefix, '--subnet', spec.subnet], work);
    timed('testbed:up (5 hosts)', up);
    expect(up.code, up.out).to.equal(0);
    inv = JSON.parse(readFileSync(inventoryFile, 'utf8')) as Inventory;
  });

  after(async function () {
    if (unavailable === null) await testbedDown(spec).catch((e: Error) => console.log(`      cleanup: ${e.message}`));
    if (work !== '') rmSync(work, { recursive: true, force: true });
    if (timings.length > 0) console.log(`      timings on ${HOSTS} hosts:\n${timings.map((t) => `        ${t}`).join('\n')}`);
  });

  it('up gives each machine its own hostname, process list and /root, and is idempotent', async () => {
    const keys = inv.hosts.map((h) => h.ssh.hostKey);
    expect(inv.hosts.map((h) => h.node)).to.deep.equal(['10.78.0.2:8000', '10.78.0.3:8000', '10.78.0.4:8000', '10.78.0.5:8000', '10.78.0.6:8000']);
    const again = await testbedUp(spec, HOSTS, inventoryFile);
    expect(again.hosts.map((h) => h.ssh.hostKey), 'host keys are kept by a second up').to.deep.equal(keys);
    ssh('10.78.0.2', 'touch /root/only-on-h1 /tmp/only-on-h1');
    expect(ssh('10.78.0.2', 'hostname; ls /root /tmp; ps -e -o pid= -o comm= | head -n 1').split(/\s+/)).to.include.members(['h1', 'only-on-h1', '1', 'sshd']);
    expect(ssh('10.78.0.3', 'hostname; ls -A /root /tmp')).to.not.include('only-on-h1');
  });

  it('upload_node and saveip put the app, cluster.json and the address file on every machine', async () => {
    const up = timed('deploy:upload_node', await deploy('upload_node', ['--inventory', inventoryFile, '--no-build'], work));
    expect(up.code, up.out).to.equal(0);
    expect(up.out).to.match(/upload_node: ok on all 5 host\(s\)/);
    const save = timed('deploy:saveip', await deploy('saveip', ['--inventory', inventoryFile], work));
    expect(save.code, save.out).to.equal(0);
    for (let i = 1; i <= HOSTS; i++) {
      const root = `${hostNames(spec, i).dir}/root/raft-xmlrpc`;
      expect(readFileSync(`${root}/address`, 'utf8')).to.equal(`${hostNames(spec, i).ip}:8000\n`);
      expect(JSON.parse(readFileSync(`${root}/cluster.json`, 'utf8')).nodes).to.have.length(HOSTS);
      expect(existsSync(`${root}/app/dist/src/node/main.js`)).to.equal(true);
      expect(existsSync(`${root}/app/node_modules/xmlrpc/package.json`), 'production dependencies shipped').to.equal(true);
      expect(existsSync(`${root}/app/node_modules/mocha`), 'dev dependencies not shipped').to.equal(false);
    }
    const again = await deploy('upload_node', ['--inventory', inventoryFile, '--no-build'], work);
    expect(again.code, again.out).to.equal(0);
    expect(again.out, 'an identical bundle is not sent twice').to.match(/ok +h1 +app unchanged/);
  });

  it('refuses a host whose key does not match the pinned one, with a clear message, while the others succeed', async () => {
    const bad: Inventory = JSON.parse(readFileSync(inventoryFile, 'utf8')) as Inventory;
    bad.hosts[0].ssh.hostKey = bad.hosts[1].ssh.hostKey;
    const file = path.join(work, 'wrong-key.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await deploy('saveip', ['--inventory', file], work);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/FAILED h1 .*HOST KEY MISMATCH for 10\.78\.0\.2:22: the server offered SHA256:\S+ but the inventory \(ssh\.hostKey\) expects SHA256:/);
    expect(r.out).to.match(/failed on 1 of 5 host\(s\): h1\n/);
    for (const h of ['h2', 'h3', 'h4', 'h5']) expect(r.out).to.match(new RegExp(`ok +${h} `));
  });

  it('reports an unreachable host while the others succeed', async () => {
    const withGhost: Inventory = JSON.parse(readFileSync(inventoryFile, 'utf8')) as Inventory;
    withGhost.hosts.push({ ...withGhost.hosts[0], name: 'ghost', node: '10.78.0.99:8000', ssh: { ...withGhost.hosts[0].ssh, host: '10.78.0.99' } });
    const file = path.join(work, 'ghost.json');
    writeFileSync(file, JSON.stringify(withGhost));
    const r = timed('deploy:saveip with an unreachable 6th host', await deploy('saveip', ['--inventory', file, '--connect-timeout', '4'], work));
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/FAILED ghost +cannot connect to root@10\.78\.0\.99:22/);
    expect(r.out).to.match(/failed on 1 of 6 host\(s\): ghost\n/);
    for (const h of ['h1', 'h2', 'h3', 'h4', 'h5']) expect(r.out).to.match(new RegExp(`ok +${h} `));
  });

  it('partition drops a machine\'s traffic but keeps its ssh; heal restores it', async () => {
    const h2 = hostNames(spec, 2);
    expect(await probe(h2.ip, 9)).to.equal('refused');
    partition(spec, h2);
    try {
      expect(await probe(h2.ip, 9)).to.equal('silent');
      expect(await probe(h2.ip, 22)).to.equal('open');
    } finally {
      heal(spec, h2);
    }
    expect(await probe(h2.ip, 9)).to.equal('refused');
    // Only towards one peer: h3 cannot reach h2, this machine still can.
    const h3 = hostNames(spec, 3);
    const fromH3 = (): number => spawnSync('ip', ['netns', 'exec', h3.netns, 'timeout', '2', 'bash', '-c', `echo > /dev/tcp/${h2.ip}/9`]).status ?? -1;
    expect(fromH3(), 'refused (exit 1) before the partition').to.equal(1);
    partition(spec, h2, { peers: [h3.ip] });
    try {
      expect(fromH3(), 'timed out (exit 124) while cut off').to.equal(124);
      expect(await probe(h2.ip, 9)).to.equal('refused');
    } finally {
      heal(spec, h2);
    }
  });

  it('end to end: start, one leader, 100 entries, leader powered off, 100 more, it returns, 5 identical raftlogs of 200', async function () {
    const missing = nodeProgramMissing();
    if (missing !== null) {
      console.log(`      skipped: ${missing} (the node program lands separately)`);
      this.skip();
    }
    const start = timed('deploy:start', await deploy('start', ['--inventory', inventoryFile], work));
    expect(start.code, start.out).to.equal(0);
    const again = await deploy('start', ['--inventory', inventoryFile], work);
    expect(again.code, again.out).to.equal(0);
    expect(again.out.match(/already running \(pid \d+\)/g), again.out).to.have.length(HOSTS);

    let leaders: string[] = [];
    for (let i = 0; i < 30 && leaders.length !== 1; i++) {
      const st = await deploy('status', ['--inventory', inventoryFile], work);
      if (i === 0) timed('deploy:status', st);
      leaders = st.code === 0 ? leadersInStatus(st.out) : [];
      if (leaders.length !== 1) await new Promise((r) => setTimeout(r, 500));
    }
    expect(leaders, 'status shows exactly one leader').to.have.length(1);

    const client = (n: number) => runCli('dist/src/client/cli.js', ['--inventory', inventoryFile, 'add', '--count', String(n), '--concurrency', '4'], work);
    const first = timed('run_client add --count 100', await client(100));
    expect(first.code, first.out).to.equal(0);

    const leaderIndex = Number(leaders[0].slice(1));
    const leaderHost = hostNames(spec, leaderIndex);
    await powerOff(leaderHost);
    expect(machineRunning(leaderHost)).to.equal(false);
    const second = timed('run_client add --count 100 (leader machine off)', await client(100));
    expect(second.code, second.out).to.equal(0);

    await powerOn(leaderHost);
    const restart = await deploy('start', ['--inventory', inventoryFile, '--hosts', leaderHost.name], work);
    expect(restart.out).to.match(/started/).and.not.match(/already running/);
    expect(restart.code, restart.out).to.equal(0);

    const out = path.join(work, 'raftlog');
    let texts: string[] = [];
    const adds = (t: string): number => t.split('\n').filter((l) => l.includes('"type":"add"')).length;
    for (let i = 0; i < 40; i++) {
      const got = await deploy('get_raftlog', ['--inventory', inventoryFile, '--out', out], work);
      if (i === 0) timed('get_raftlog', got);
      texts = inv.hosts.map((h) => (existsSync(path.join(out, h.name, 'raftlog')) ? readFileSync(path.join(out, h.name, 'raftlog'), 'utf8') : ''));
      if (got.code === 0 && texts.every((t) => t === texts[0]) && adds(texts[0]) === 200) {
        expect(got.out).to.match(/verdict: consistent: all raftlogs are byte-identical/);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(texts.map(adds), 'client entries per host').to.deep.equal([200, 200, 200, 200, 200]);
    // (The security checks below add entries too; the counts above are taken before them.)
    for (const t of texts) expect(t, 'raftlogs byte-identical').to.equal(texts[0]);

    const uc = timed('deploy:upload_client', await deploy('upload_client', ['--inventory', inventoryFile, '--no-build'], work));
    expect(uc.code, uc.out).to.equal(0);
    expect(ssh(hostNames(spec, 1).ip, '/root/raft-xmlrpc/run_client leader'), 'the uploaded client finds the leader').to.match(/10\.78\.0\.\d+:8000/);

    // Issue 12: the deployed cluster is secured by default.
    const h1 = hostNames(spec, 1);
    expect(ssh(h1.ip, 'cd /root/raft-xmlrpc && stat -c "%a %n" secrets secrets/* | sort -k2').trim().split('\n')).to.deep.equal([
      '700 secrets', '600 secrets/ca.pem', '600 secrets/node-secrets.json', '600 secrets/node.key', '600 secrets/node.pem',
    ]);
    const secretsDir = path.join(work, 'secrets');
    const ca = readFileSync(path.join(secretsDir, 'ca.pem'), 'utf8');
    const [nodeHost, nodePort] = [inv.hosts[0].node.split(':')[0], Number(inv.hosts[0].node.split(':')[1])];
    const refusal = async (c: RpcClient, method: string, params: XmlRpcValue[]): Promise<string> => {
      try {
        await c.call(method, params);
        return 'answered';
      } catch (err) {
        return err instanceof RpcFaultError ? `fault ${err.code}` : 'no answer';
      } finally {
        c.close();
      }
    };
    expect(await refusal(new RpcClient(nodeHost, nodePort, { ca }), 'addEntry', ['anon', 'x']), 'anonymous').to.equal('fault 401');
    expect(await refusal(new RpcClient(nodeHost, nodePort, { ca }), 'appendEntriesRPC', [99, inv.hosts[1].node, 0, 0, [], 0]), 'forged append').to.equal('fault 401');
    expect(await refusal(new RpcClient(nodeHost, nodePort), 'status', []), 'plain HTTP').to.equal('no answer');
    expect(await refusal(new RpcClient(nodeHost, nodePort, { ca: readFileSync(path.join(secretsDir, 'nodes', 'h2', 'node.pem'), 'utf8') }), 'status', []), 'no CA').to.equal('no answer');
    const token = readFileSync(path.join(secretsDir, 'client.token'), 'utf8').trim();
    const py = execFileSync('python3', ['-c', 'import ssl, xmlrpc.client as x; ' +
      `print(x.ServerProxy("https://client:${token}@${inv.hosts[0].node}", context=ssl.create_default_context(cafile="secrets/ca.pem")).addEntry("py-1", "hello"))`],
    { cwd: work, encoding: 'utf8', timeout: 30_000 });
    expect(py.trim(), 'the README\'s Python line').to.equal('True');
    const oldAdmin = readFileSync(path.join(secretsDir, 'admin.token'), 'utf8').trim();
    const rotate = timed('deploy:rotate_secrets', await deploy('rotate_secrets', ['--inventory', inventoryFile], work));
    expect(rotate.code, rotate.out).to.equal(0);
    expect(rotate.out.match(/phase [ABC]: \S+ restarted and caught up/g), rotate.out).to.have.length(3 * HOSTS);
    expect(rotate.out).to.not.contain(oldAdmin).and.not.contain(readFileSync(path.join(secretsDir, 'admin.token'), 'utf8').trim());
    const afterRotation = await client(10);
    expect(afterRotation.code, afterRotation.out).to.equal(0);
    const newCa = readFileSync(path.join(secretsDir, 'ca.pem'), 'utf8');
    expect(await refusal(new RpcClient(nodeHost, nodePort, { ca: newCa, auth: { user: 'admin', password: oldAdmin } }), 'suspend', [1]), 'the old admin token').to.equal('fault 401');
    expect(await refusal(new RpcClient(nodeHost, nodePort, { ca }), 'status', []), 'the old CA').to.equal('no answer');

    // Issue 14: shrink the deployed cluster by a host and grow it back (its data wiped, started with --join, added).
    const last = inv.hosts[HOSTS - 1];
    const votersOf = (out: string): string[] => (/^voters: (.*)$/m.exec(out)?.[1] ?? '').split(', ').filter((v) => v !== '');
    const members = () => runCli('dist/src/client/cli.js', ['--inventory', inventoryFile, 'member', 'list'], work);
    const rm = timed('deploy:remove_host', await deploy('remove_host', ['--inventory', inventoryFile, '--hosts', last.name], work));
    expect(rm.code, rm.out).to.equal(0);
    let m = await members();
    expect(m.code, m.out).to.equal(0);
    expect(votersOf(m.out)).to.have.length(HOSTS - 1).and.not.include(last.node);
    const add = timed('deploy:add_host', await deploy('add_host', ['--inventory', inventoryFile, '--hosts', last.name, '--no-build'], work));
    expect(add.code, add.out).to.equal(0);
    m = await members();
    expect(votersOf(m.out)).to.have.length(HOSTS).and.include(last.node);
    const afterGrow = await client(10);
    expect(afterGrow.code, afterGrow.out).to.equal(0);

    const logs = timed('deploy:logs', await deploy('logs', ['--inventory', inventoryFile, '--out', path.join(work, 'logs')], work));
    expect(logs.code, logs.out).to.equal(0);
    expect(readFileSync(path.join(work, 'logs', 'h1', 'node.log'), 'utf8').length).to.be.greaterThan(0);
    const stop = timed('deploy:stop', await deploy('stop', ['--inventory', inventoryFile], work));
    expect(stop.code, stop.out).to.equal(0);
    expect(stop.out.match(/stopped \(pid \d+\)/g), stop.out).to.have.length(HOSTS);
    const clean = timed('deploy:clean', await deploy('clean', ['--inventory', inventoryFile], work));
    expect(clean.code, clean.out).to.equal(0);
    expect(existsSync(`${hostNames(spec, 1).dir}/root/raft-xmlrpc/data`)).to.equal(false);
  });

  it('down leaves no namespace, interface, process or state dir', async () => {
    const down = timed('testbed:down', await runCli('dist/deploy/testbed/cli.js', ['down', '--prefix', spec.prefix], work));
    expect(down.code, down.out).to.equal(0);
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(netns).to.not.match(new RegExp(`^${spec.prefix}-`, 'm'));
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    expect(links).to.not.include(`${spec.prefix}br0`).and.not.include(`${spec.prefix}-h`);
    expect(processesMentioning(spec.stateDir), 'processes of the testbed').to.deep.equal([]);
    expect(existsSync(spec.stateDir)).to.equal(false);
    void REPO;
  });
});
