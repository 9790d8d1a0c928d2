// deploy:add_host and deploy:remove_host (issue 14): grow or shrink a running deployed cluster, one host at a time.
// The inventory stays the source of truth for which machines exist: cluster.json lists every host of it (members
// authenticate each other with keys made for exactly those), and the membership among them is the cluster's own
// (a `config` entry in its log), changed with the admin token through run_client's `member` command.
//   add_host:    upload the app, cluster.json and the host's secrets; save its address; wipe its data (a machine that
//                is added starts empty); start it with --join (outside the cluster); `member add` (learner, catch-up
//                from the leader's raftlog, promotion). Waits until the change has committed.
//   remove_host: `member remove` (the leader too: it hands over and steps down), then stop the node.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts } from '../run-hosts.js';
import { sh } from '../shell-quote.js';
import { saveIp } from './saveip.js';
import { READY_POLLS, startOnHost } from './start.js';
import { stopNodes } from './stop.js';
import { uploadNode } from './upload-node.js';

const CLIENT_CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
/** A member change waits up to 30 s on the node; leave room around it. */
const MEMBER_CALL_MS = 60_000;

/** Runs `run_client --inventory INV member OP NODE` here; resolves with its exit code and output. */
function member(opts: TaskOptions, op: 'add' | 'remove', node: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const args = [CLIENT_CLI, '--inventory', opts.inventory, '--deadline', String(MEMBER_CALL_MS), 'member', op, node];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), MEMBER_CALL_MS + 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.trim(), err: err.trim() });
    });
  });
}

export async function addHosts(inv: Inventory, opts: TaskOptions): Promise<number> {
  if (opts.insecure) opts.log('warning: --insecure: the new host runs without authentication');
  for (const host of inv.hosts) {
    const one: Inventory = { ...inv, hosts: [host] };
    if ((await uploadNode(one, opts)) !== 0) return 1;
    if ((await saveIp(one, opts)) !== 0) return 1;
    const started = await runOnHosts(
      'add_host',
      one,
      async (ctx) => {
        // A host that is added starts empty: whatever an earlier membership left in its data is not trusted.
        ctx.progress('wiping data');
        await ctx.run(sh`rm -rf ${layoutOf(ctx.host).data}`);
        return startOnHost(ctx, READY_POLLS, opts.insecure, true);
      },
      opts,
    );
    if (report('add_host', started) !== 0) return 1;
    opts.log(`${host.name}: member add ${host.node} (learner, catch-up, promotion)`);
    const r = await member(opts, 'add', host.node);
    if (r.code !== 0) {
      opts.log(`${host.name}: member add failed: ${r.err.split('\n')[0] || `exit ${r.code}`}`);
      return 1;
    }
    opts.log(`${host.name}: added; ${r.out.replace(/\n/g, '; ')}`);
  }
  return 0;
}

export async function removeHosts(inv: Inventory, opts: TaskOptions): Promise<number> {
  for (const host of inv.hosts) {
    opts.log(`${host.name}: member remove ${host.node}`);
    const r = await member(opts, 'remove', host.node);
    if (r.code !== 0) {
      opts.log(`${host.name}: member remove failed: ${r.err.split('\n')[0] || `exit ${r.code}`}`);
      return 1;
    }
    opts.log(`${host.name}: removed; ${r.out.replace(/\n/g, '; ')}`);
    if ((await stopNodes({ ...inv, hosts: [host] }, opts)) !== 0) return 1;
  }
  return 0;
}
