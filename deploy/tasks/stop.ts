// deploy:stop -- SIGTERM the node (it exits 0 after closing its storage), SIGKILL if it is still there after 10 s.
import type { Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import { runningPidSnippet } from '../node-process.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { sh } from '../shell-quote.js';

export async function stopOnHost(ctx: HostContext): Promise<{ message: string }> {
  const l = layoutOf(ctx.host);
  const script = [
    runningPidSnippet(l),
    sh`if [ -z "$PID" ]; then rm -f ${l.pidFile}; echo 'not running'; exit 0; fi`,
    'kill -TERM "$PID"',
    'i=0; while [ $i -lt 50 ] && kill -0 "$PID" 2>/dev/null; do sleep 0.2; i=$((i+1)); done',
    'if kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; how="killed (did not exit on SIGTERM within 10 s)"; else how=stopped; fi',
    sh`rm -f ${l.pidFile}; echo "$how (pid $PID)"`,
  ].join('\n');
  ctx.progress('stopping');
  const r = await ctx.run(script);
  return { message: r.stdout.trim() };
}

export async function stopNodes(inv: Inventory, opts: TaskOptions): Promise<number> {
  return report('stop', await runOnHosts('stop', inv, stopOnHost, opts));
}
