// deploy:logs -- fetch each node's node.log (and its stdout, node.out) into logs/<host>/.
import type { Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { downloadFile } from './download.js';

export async function logsOnHost(ctx: HostContext, outDir: string): Promise<{ message: string }> {
  const l = layoutOf(ctx.host);
  const log = await downloadFile(ctx, l.nodeLog, outDir, 'node.log');
  const out = await downloadFile(ctx, l.stdout, outDir, 'node.out').catch(() => null);
  return { message: `${log.local} (${log.bytes} bytes)${out ? `, ${out.local}` : ''}` };
}

export async function fetchLogs(inv: Inventory, opts: TaskOptions): Promise<number> {
  const outDir = opts.outDir ?? 'logs';
  const outcomes = await runOnHosts('logs', inv, (ctx) => logsOnHost(ctx, outDir), opts);
  return report('logs', outcomes);
}
