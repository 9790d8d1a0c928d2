// deploy:status -- a table: host, up/down (pid alive over ssh), role, term, commit index (XML-RPC status()), raftlog
// lines (wc -l over ssh), and a line naming the leader(s). Exit 1 when a host cannot be reached or its node is down.
import type { Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import { queryNodeStatus } from '../node-rpc-status.js';
import type { NodeStatus } from '../../src/protocol/status.js';
import { runningPidSnippet } from '../node-process.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext, type HostOutcome } from '../run-hosts.js';
import { sh } from '../shell-quote.js';
import type { RpcClientOptions } from '../../src/rpc/client.js';
import { credentialOptions, findCredentials } from '../../src/security/client-credentials.js';

export interface HostStatus {
  up: boolean;
  pid: string;
  raftlogLines: number;
  rpc: NodeStatus | null;
}

export function statusTable(outcomes: HostOutcome<HostStatus>[]): string[] {
  const rows = outcomes.map((o) => {
    const s = o.value;
    if (!o.ok || s === undefined) return [o.host.name, 'unreachable', '?', '?', '?', '?'];
    return [o.host.name, s.up ? 'up' : 'down', s.rpc?.role ?? '?', s.rpc ? String(s.rpc.term) : '?',
      s.rpc ? String(s.rpc.commitIndex) : '?', String(s.raftlogLines)];
  });
  const head = ['host', 'state', 'role', 'term', 'commit', 'raftlog-lines'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const leaders = outcomes.filter((o) => o.value?.rpc?.role === 'leader').map((o) => `${o.host.name} (term ${o.value?.rpc?.term})`);
  return [fmt(head), ...rows.map(fmt), leaders.length === 0 ? 'leader: none answered' : `leader: ${leaders.join(', ')}`];
}

export async function statusOnHost(ctx: HostContext, rpcOptions: RpcClientOptions = {}): Promise<{ message: string; value: HostStatus }> {
  const l = layoutOf(ctx.host);
  // Labelled lines: node-ssh trims the output, so positions alone would shift when the pid is empty.
  const r = await ctx.run(`${runningPidSnippet(l)}; echo "pid=$PID"; ` + sh`echo "lines=$(wc -l < ${l.raftlog} 2>/dev/null || echo 0)"`);
  const field = (k: string): string => r.stdout.split('\n').find((s) => s.startsWith(`${k}=`))?.slice(k.length + 1).trim() ?? '';
  const pid = field('pid');
  const lines = field('lines');
  const up = pid !== '';
  ctx.progress('asking the node');
  const rpc = up ? await queryNodeStatus(ctx.host.node, 2000, rpcOptions) : null;
  const value: HostStatus = { up, pid, raftlogLines: Number(lines) || 0, rpc };
  if (!up) return { message: `node not running, raftlog ${value.raftlogLines} lines`, value };
  const desc = rpc ? `${rpc.role}, term ${rpc.term}, commit ${rpc.commitIndex}` : 'no answer to status()';
  return { message: `up (pid ${pid}), ${desc}, raftlog ${value.raftlogLines} lines`, value };
}

export async function statusNodes(inv: Inventory, opts: TaskOptions): Promise<number> {
  // The client token and CA from secrets/ beside the inventory (none for an --insecure cluster).
  const rpcOptions = credentialOptions(findCredentials(undefined, opts.inventory, process.cwd()), false);
  const outcomes = await runOnHosts<HostStatus>('status', inv, (ctx) => statusOnHost(ctx, rpcOptions), opts);
  const code = report('status', outcomes);
  for (const line of statusTable(outcomes)) console.log(line);
  // A reachable machine whose node is down still fails the task: `status` answers "is my cluster running?".
  const down = outcomes.filter((o) => o.ok && o.value?.up === false).map((o) => o.host.name);
  if (down.length > 0) console.log(`status: node down on ${down.join(', ')}`);
  return code !== 0 || down.length > 0 ? 1 : 0;
}
