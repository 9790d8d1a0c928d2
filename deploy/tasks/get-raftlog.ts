// get_raftlog -- each host's raftlog into raftlog/<host>/raftlog (as the ancestor's fab get_raftlog), then the verdict:
// are they all prefixes of one history, how many entries each, who diverges where. Exit 1 on a failed download or an
// inconsistent history.
import { readFileSync } from 'node:fs';
import type { Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import type { TaskOptions } from '../options.js';
import { describeVerdict, judgeRaftlogs } from '../raftlog-verdict.js';
import { report, runOnHosts } from '../run-hosts.js';
import { downloadFile } from './download.js';

export async function getRaftlog(inv: Inventory, opts: TaskOptions): Promise<number> {
  const outDir = opts.outDir ?? 'raftlog';
  const outcomes = await runOnHosts<string>('get_raftlog', inv, async (ctx) => {
    const f = await downloadFile(ctx, layoutOf(ctx.host).raftlog, outDir, 'raftlog');
    return { message: `${f.local} (${f.bytes} bytes)`, value: f.local };
  }, opts);
  const code = report('get_raftlog', outcomes);
  const got = outcomes.filter((o) => o.ok && o.value !== undefined);
  if (got.length === 0) return 1;
  const verdict = judgeRaftlogs(got.map((o) => ({ host: o.host.name, text: readFileSync(o.value as string, 'utf8') })));
  for (const line of describeVerdict(verdict)) console.log(line);
  return code !== 0 || !verdict.consistent ? 1 : 0;
}
