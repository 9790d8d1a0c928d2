// deploy:saveip -- write each machine's own address file (its node id from the inventory) and read it back. Also
// notes when the address is on none of the machine's interfaces (fine behind NAT with "listen", a typo otherwise).
import { nodeHost, type Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { sh } from '../shell-quote.js';

export async function saveIpOnHost(ctx: HostContext): Promise<{ message: string }> {
  const l = layoutOf(ctx.host);
  const want = ctx.host.node;
  await ctx.run(sh`mkdir -p ${l.dir} && printf '%s\n' ${want} > ${l.address}.tmp && mv ${l.address}.tmp ${l.address}`);
  const back = (await ctx.run(sh`cat ${l.address}`)).stdout.trim();
  if (back !== want) throw new Error(`address file holds "${back}", inventory says "${want}"`);
  const ips = await ctx.tryRun(`ip -o addr show 2>/dev/null || hostname -I 2>/dev/null`);
  const host = nodeHost(ctx.host);
  const local = ips.code === 0 && new RegExp(`[\\s/]${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s/]`).test(` ${ips.stdout} `);
  const note = local || ctx.host.listen !== undefined ? '' : ` (note: ${host} is not on any interface of this machine)`;
  return { message: `${l.address} = ${back}, checked${note}` };
}

export async function saveIp(inv: Inventory, opts: TaskOptions): Promise<number> {
  return report('saveip', await runOnHosts('saveip', inv, saveIpOnHost, opts));
}
