// The two ways to get a dashboard (`npm run cluster` and `npm run dashboard -- targets`) as real processes, and the
// node RPCs behind it (logTail, isolate, campaign) refusing bad input with a fault that names the problem.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentialOptions, findCredentials } from '../../src/security/client-credentials.js';
import { RpcClient, RpcFaultError } from '../../src/rpc/client.js';
import { findFreePorts } from '../../src/node/ports.js';

const CLUSTER_JS = fileURLToPath(new URL('../../src/cluster/cli.js', import.meta.url));
const DASHBOARD_JS = fileURLToPath(new URL('../../src/dashboard/cli.js', import.meta.url));

/** Starts a program and resolves with the first stdout line matching `re` (bounded by timeoutMs). */
function startUntil(args: string[], re: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = re.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${re}: ${err}`));
    });
  });
}

function stop(child: ChildProcess | null): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('dashboard programs and node RPCs', function () {
  this.timeout(60_000);
  let dir = '';
  let cluster: ChildProcess | null = null;
  let watcher: ChildProcess | null = null;
  let nodes: string[] = [];
  let clusterUrl = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dash-cli-'));
    const ports = await findFreePorts(3);
    const r = await startUntil(
      [CLUSTER_JS, '--nodes', '3', '--base-port', String(ports[0]), '--data-dir', join(dir, 'c'), '--log-level', 'warn'],
      /^dashboard (http:\/\/127\.0\.0\.1:\d+\/)$/,
      30_000,
    );
    cluster = r.child;
    clusterUrl = r.match[1];
    nodes = ports.map((p) => `127.0.0.1:${p}`);
  });

  after(async () => {
    await stop(watcher);
    await stop(cluster);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm run cluster prints "dashboard http://127.0.0.1:PORT/" on its own line and serves the page with kill/restart', async () => {
    const html = await (await fetch(clusterUrl)).text();
    expect(html).to.contain('<script src="app.js">');
    expect(html).to.not.match(/https?:\/\/(?!www\.w3\.org)/); // offline: nothing fetched from elsewhere
    const state = (await (await fetch(new URL('/api/state', clusterUrl))).json()) as { config: { controls: { kill: boolean } } };
    expect(state.config.controls.kill).to.equal(true);
  });

  it('npm run dashboard -- --nodes serves any running cluster, without kill/restart', async () => {
    const r = await startUntil([DASHBOARD_JS, '--nodes', nodes.join(',')], /^dashboard (http:\/\/127\.0\.0\.1:\d+\/)$/, 15_000);
    watcher = r.child;
    const state = (await (await fetch(new URL('/api/state', r.match[1]))).json()) as {
      config: { nodes: string[]; controls: { kill: boolean; restart: boolean } };
    };
    expect(state.config.nodes).to.deep.equal(nodes);
    expect(state.config.controls).to.include({ kill: false, restart: false });
    const res = await fetch(new URL(`/api/node/${encodeURIComponent(nodes[0])}/kill`, r.match[1]), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    expect(res.status).to.equal(400);
  });

  it('npm run dashboard with a bad argument exits 2 with one line saying what was wrong', async () => {
    const child = spawn(process.execPath, [DASHBOARD_JS, '--nodes', 'nonsense'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(2);
    expect(err).to.equal('dashboard: --nodes: "nonsense" is not HOST:PORT (no port)\n');
  });

  it('logTail, isolate and campaign check their parameters', async () => {
    const [host, port] = [nodes[0].split(':')[0], Number(nodes[0].split(':')[1])];
    // isolate and campaign are admin calls: the admin token from the secrets `npm run cluster` made.
    const admin = credentialOptions(findCredentials(undefined, join(dir, 'c', 'cluster.json'), process.cwd()), true);
    expect(admin.auth?.user).to.equal('admin');
    const c = new RpcClient(host, port, { ...admin, timeoutMs: 5000 });
    const anonymous = new RpcClient(host, port, { timeoutMs: 5000 });
    expect(await anonymous.call('isolate', [[nodes[1]], 5]).catch((e: RpcFaultError) => e.faultString)).to.match(/isolate refused: needs the admin credential/);
    anonymous.close();
    const fault = async (method: string, params: Parameters<RpcClient['call']>[1]): Promise<string> => {
      try {
        await c.call(method, params);
      } catch (err) {
        if (err instanceof RpcFaultError) return err.faultString;
        throw err;
      }
      throw new Error(`${method} accepted ${JSON.stringify(params)}`);
    };
    try {
      expect(await fault('logTail', [0])).to.match(/n in 1\.\.200/);
      expect(await fault('logTail', ['5'])).to.match(/n in 1\.\.200/);
      expect(await fault('isolate', [['10.0.0.1:1'], 5])).to.match(/not another member/);
      expect(await fault('isolate', [[nodes[0]], 5])).to.match(/not another member/);
      expect(await fault('isolate', [[nodes[1]], 0])).to.match(/seconds must be an int in 1\.\.3600/);
      expect(await fault('campaign', [1])).to.match(/no parameters/);
      const tail = (await c.call('logTail', [10])) as { index: number; committed: boolean }[];
      expect(tail.length).to.be.greaterThan(0);
      expect(tail[tail.length - 1].index).to.be.at.most(10);
      // isolate with an empty list ends an isolation at once (and is allowed).
      expect(await c.call('isolate', [[], 5])).to.equal(true);
    } finally {
      c.close();
    }
  });
});
