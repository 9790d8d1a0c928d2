// deploy:clean -- remove the node's data (raftlog, WAL, hard state, logs), as the ancestor's clean_node did. Refuses
// while the node runs: deleting the WAL under a live node would make it forget votes and entries it acknowledged.
import type { Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import { runningPidSnippet } from '../node-process.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { sh } from '../shell-quote.js';

export async function cleanOnHost(ctx: HostContext): Promise<{ message: string }> {
  const l = layoutOf(ctx.host);
  const script = [
    runningPidSnippet(l),
    'if [ -n "$PID" ]; then echo "node is running (pid $PID): run deploy:stop first" >&2; exit 3; fi',
    sh`rm -rf ${l.data} ${l.stdout} ${l.pidFile} && printf 'removed %s\n' ${l.data}`,
  ].join('\n');
  const r = await ctx.run(script);
  return { message: r.stdout.trim() };
}

export async function cleanNodes(inv: Inventory, opts: TaskOptions): Promise<number> {
  return report('clean', await runOnHosts('clean', inv, cleanOnHost, opts));
}
