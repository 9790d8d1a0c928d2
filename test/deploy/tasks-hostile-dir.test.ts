// Every deploy task's remote commands, run for real by a local /bin/sh and bash (this machine stands in for the
// remote one; ssh only carries the same command string) with an inventory `dir` built to break out of any quoting:
// $(...), backticks, quotes, ';'. Each task goes through its success and its message paths (no READY line, node
// exited, already running, clean refused, nothing to stop, missing file); none may run the embedded commands, and
// every path in a message must come back exactly as written in the inventory.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Bundle } from '../../deploy/bundle.js';
import type { Inventory, InventoryHost } from '../../deploy/inventory.js';
import { layoutOf } from '../../deploy/layout.js';
import { RemoteCommandError, throwingRun, type HostContext, type RemoteResult } from '../../deploy/run-hosts.js';
import { cleanOnHost } from '../../deploy/tasks/clean.js';
import { downloadFile } from '../../deploy/tasks/download.js';
import { saveIpOnHost } from '../../deploy/tasks/saveip.js';
import { startOnHost } from '../../deploy/tasks/start.js';
import { statusOnHost } from '../../deploy/tasks/status.js';
import { stopOnHost } from '../../deploy/tasks/stop.js';
import { uploadClientOnHost } from '../../deploy/tasks/upload-client.js';
import { uploadNodeOnHost } from '../../deploy/tasks/upload-node.js';
import { findFreePorts } from '../../src/node/ports.js';

/** Runs `shell -c command` here, bounded; PATH leads with this node binary's directory (the task scripts run `node`). */
function localExec(shell: string) {
  return (command: string, stdin?: string): Promise<RemoteResult> =>
    new Promise((resolve) => {
      const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}` };
      const child = spawn(shell, ['-c', command], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        // node-ssh trims what the command printed; so do we, so messages match what users get.
        resolve({ stdout: stdout.trim(), stderr: stderr.trim(), code });
      });
      // A command that never reads its stdin closes the pipe under us (EPIPE): that is not a failure of the command.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
}

function localContext(host: InventoryHost, shell: string): HostContext {
  const tryRun = localExec(shell);
  const inv: Inventory = { cluster: {}, hosts: [host] };
  return {
    host,
    inv,
    ssh: {
      putFile: (local: string, remote: string) => copyFile(local, remote),
      getFile: (local: string, remote: string) => copyFile(remote, local),
    },
    progress: () => undefined,
    run: throwingRun(tryRun),
    tryRun,
  };
}

/** The message of the error `p` rejects with; remote commands that fail must reject with a RemoteCommandError. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(Error);
    const msg = (err as Error).message;
    if (msg.startsWith('remote command failed')) expect(err).to.be.instanceOf(RemoteCommandError);
    return msg;
  }
  throw new Error('expected the task to fail');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const shell of ['sh', 'bash']) {
  describe(`deploy tasks with a hostile inventory dir (${shell})`, function () {
    this.timeout(60_000);
    let base = '';
    let dir = '';
    let host: InventoryHost;
    let ctx: HostContext;
    const markers = (): string[] => ['PWNED1', 'PWNED2', 'PWNED3', 'PWNED4'].filter((m) => existsSync(path.join(base, m)));
    const started: number[] = [];
    /** The node program the start task runs (the test that uploads the app may be filtered out with -g). */
    const fakeMain = async (code: string): Promise<void> => {
      await mkdir(path.join(dir, 'app/dist/src/node'), { recursive: true });
      await writeFile(path.join(dir, 'app/dist/src/node/main.js'), code);
      await writeFile(path.join(dir, 'cluster.json'), '{}');
      await writeFile(path.join(dir, 'address'), `${host.node}\n`);
    };
    const pidOnMachine = (): number => Number(readFileSync(layoutOf(host).pidFile, 'utf8').trim());

    before(async () => {
      base = mkdtempSync(path.join(os.tmpdir(), 'deploy-hostile-'));
      // Each piece would run a command if any task put the path inside double quotes, unquoted, or through eval.
      dir = `${base}/it's "q" $(touch ${base}/PWNED1) \`touch ${base}/PWNED2\` ; touch ${base}/PWNED3 ; $(touch${'${IFS}'}${base}/PWNED4)`;
      mkdirSync(dir, { recursive: true });
      const [port] = await findFreePorts(1);
      host = { name: 'h1', node: `127.0.0.1:${port}`, dir, ssh: { host: '127.0.0.1', port: 22, user: 'nobody' } };
      ctx = localContext(host, shell);
    });

    after(() => {
      for (const pid of started) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(base, { recursive: true, force: true });
    });

    afterEach(function () {
      expect(markers(), `after "${this.currentTest?.title}"`).to.deep.equal([]);
    });

    it('upload_node and upload_client unpack the app, write cluster.json and a run_client that passes its paths intact', async () => {
      const src = path.join(base, 'bundle-src');
      await mkdir(path.join(src, 'dist/src/node'), { recursive: true });
      await mkdir(path.join(src, 'dist/src/client'), { recursive: true });
      await writeFile(path.join(src, 'dist/src/node/main.js'), '');
      await writeFile(path.join(src, 'dist/src/client/cli.js'), 'console.log(JSON.stringify(process.argv.slice(1)));\n');
      const tgz = path.join(base, 'bundle.tgz');
      const tar = await localExec('sh')(`tar -czf '${tgz}' -C '${src}' dist`);
      expect(tar.code, tar.stderr).to.equal(0);
      const bundle: Bundle = { file: tgz, sha256: 'f'.repeat(64), bytes: 1, nodeBinary: null };
      const config = '{"nodes":["127.0.0.1:1"]}\n';

      const up = await uploadNodeOnHost(ctx, bundle, config, null);
      expect(up.message).to.match(/^app uploaded, node v\d+/).and.include(`cluster.json with 1 nodes, INSECURE (no secrets) in ${dir}`);
      expect(await readFile(path.join(dir, 'cluster.json'), 'utf8')).to.equal(config);
      expect((await uploadNodeOnHost(ctx, bundle, config, null)).message).to.match(/^app unchanged/);

      const client = await uploadClientOnHost(ctx, bundle, config, null);
      expect(client.message).to.include(`client at ${dir}/run_client`);
      const r = await localExec(shell)(`'${path.join(dir, 'run_client').replace(/'/g, `'\\''`)}' get "a b"`);
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal([`${dir}/app/dist/src/client/cli.js`, '--config', `${dir}/cluster.json`, 'get', 'a b']);
    });

    it('saveip writes the address file and reports its path as written', async () => {
      const r = await saveIpOnHost(ctx);
      expect(r.message).to.include(`${dir}/address = ${host.node}, checked`);
      expect(readFileSync(path.join(dir, 'address'), 'utf8')).to.equal(`${host.node}\n`);
    });

    it('start: "no READY line" names node.out exactly, without running anything in it', async () => {
      await fakeMain('setTimeout(() => undefined, 30000);\n');
      const msg = await failure(startOnHost(ctx, 3));
      started.push(pidOnMachine());
      expect(msg).to.equal(`remote command failed (exit 5): no READY line after 0.6 s; see ${dir}/node.out`);
      expect((await stopOnHost(ctx)).message).to.equal(`stopped (pid ${started.at(-1)})`);
    });

    it('start: a node that exits says so with the end of its output', async () => {
      await fakeMain('console.log(`boom ${process.argv.slice(2).join(" ")}`); process.exit(3);\n');
      const msg = await failure(startOnHost(ctx, 25));
      expect(msg).to.equal(
        `remote command failed (exit 4): node exited: boom --config ${dir}/cluster.json --data-dir ${dir}/data --address-file ${dir}/address --secrets ${dir}/secrets`,
      );
    });

    it('start, already running, status, clean refused, stop, nothing to stop, clean', async () => {
      await fakeMain('console.log("READY fake"); console.log("later line"); setInterval(() => undefined, 1000);\n');
      const s = await startOnHost(ctx, 25);
      const pid = pidOnMachine();
      started.push(pid);
      expect(s.message).to.equal(`started (pid ${pid}): READY fake`);
      expect((await startOnHost(ctx, 25)).message).to.equal(`already running (pid ${pid})`);

      await writeFile(path.join(dir, 'data/raftlog'), '{"index":1}\n{"index":2}\n');
      const st = await statusOnHost(ctx);
      expect(st.value).to.deep.include({ up: true, pid: String(pid), raftlogLines: 2, rpc: null });

      expect(await failure(cleanOnHost(ctx))).to.equal(`remote command failed (exit 3): node is running (pid ${pid}): run deploy:stop first`);
      expect((await stopOnHost(ctx)).message).to.equal(`stopped (pid ${pid})`);
      expect(pidAlive(pid)).to.equal(false);
      expect((await stopOnHost(ctx)).message).to.equal('not running');
      expect((await statusOnHost(ctx)).value).to.deep.include({ up: false, pid: '' });

      const out = path.join(base, 'fetched');
      const got = await downloadFile(ctx, layoutOf(host).raftlog, out, 'raftlog');
      expect(got.bytes).to.equal(24);
      expect(readFileSync(got.local, 'utf8')).to.equal('{"index":1}\n{"index":2}\n');

      expect((await cleanOnHost(ctx)).message).to.equal(`removed ${dir}/data`);
      expect(existsSync(path.join(dir, 'data'))).to.equal(false);
      expect(await failure(downloadFile(ctx, layoutOf(host).raftlog, out, 'raftlog'))).to.equal(`no ${dir}/data/raftlog on the machine`);
    });

    it('the failure text itself never reaches a shell: a remote error message is data', async () => {
      // The message path of run(): stderr holding $(...) comes back verbatim and nothing runs.
      const msg = await failure(ctx.run(`printf '%s\\n' '$(touch ${base}/PWNED1)' >&2; exit 9`));
      expect(msg).to.equal(`remote command failed (exit 9): $(touch ${base}/PWNED1)`);
    });
  });
}
