// deploy:start -- start the node in the background so it outlives the ssh session: setsid + nohup, stdin from
// /dev/null and stdout/stderr to node.out (an ssh command whose child keeps the session's pipes open never returns).
// Idempotent: a running node is left alone and reported. Waits (bounded) for the node's READY line.
import type { Inventory } from '../inventory.js';
import { layoutOf, nodeBinSnippet } from '../layout.js';
import { runningPidSnippet } from '../node-process.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts } from '../run-hosts.js';
import { q, sh } from '../shell-quote.js';

/** How long the node may take to print READY (50 polls of 0.2 s). */
const READY_POLLS = 50;

export async function startNodes(inv: Inventory, opts: TaskOptions): Promise<number> {
  const outcomes = await runOnHosts('start', inv, async (ctx) => {
    const l = layoutOf(ctx.host);
    const listen = ctx.host.listen === undefined ? '' : sh` --listen ${ctx.host.listen}`;
    const security = opts.insecure ? ' --insecure' : sh` --secrets ${l.secrets}`;
    const script = [
      sh`cd ${l.dir} || exit 3`,
      sh`[ -f ${l.app}/dist/src/node/main.js ] || { echo 'no app: run deploy:upload_node first' >&2; exit 3; }`,
      sh`[ -f ${l.clusterConfig} ] || { echo 'no cluster.json: run deploy:upload_node first' >&2; exit 3; }`,
      sh`[ -f ${l.address} ] || { echo 'no address file: run deploy:saveip first' >&2; exit 3; }`,
      runningPidSnippet(l),
      'if [ -n "$PID" ]; then echo "already running (pid $PID)"; exit 0; fi',
      nodeBinSnippet(l, q),
      // Create node.out before the background start, so the READY poll below never races its creation.
      sh`mkdir -p ${l.data} && : > ${l.stdout}`,
      sh`setsid nohup "$NODE" ${l.app}/dist/src/node/main.js --config ${l.clusterConfig} --data-dir ${l.data} --address-file ${l.address}` +
        listen + security + sh` < /dev/null > ${l.stdout} 2>&1 &`,
      sh`echo $! > ${l.pidFile}`,
      `i=0; while [ $i -lt ${READY_POLLS} ]; do`,
      sh`  if grep -q '^READY' ${l.stdout}; then echo "started (pid $(cat ${l.pidFile})): $(head -n 1 ${l.stdout})"; exit 0; fi`,
      sh`  if ! kill -0 "$(cat ${l.pidFile})" 2>/dev/null; then echo "node exited: $(tail -n 3 ${l.stdout} | tr '\n' ' ')" >&2; exit 4; fi`,
      '  sleep 0.2; i=$((i+1))',
      'done',
      sh`echo "no READY line after ${READY_POLLS / 5} s; see ${l.stdout}" >&2; exit 5`,
    ].join('\n');
    ctx.progress('starting');
    const r = await ctx.run(script);
    return { message: r.stdout.trim().split('\n').pop() ?? 'started' };
  }, opts);
  return report('start', outcomes);
}
