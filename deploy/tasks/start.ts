// deploy:start -- start the node in the background so it outlives the ssh session: setsid + nohup, stdin from
// /dev/null and stdout/stderr to node.out (an ssh command whose child keeps the session's pipes open never returns).
// Idempotent: a running node is left alone and reported. Waits (bounded) for the node's READY line.
import type { Inventory, InventoryHost } from '../inventory.js';
import { layoutOf, nodeBinSnippet } from '../layout.js';
import { runningPidSnippet } from '../node-process.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { q, sh } from '../shell-quote.js';

/** How long the node may take to print READY (50 polls of 0.2 s). */
export const READY_POLLS = 50;

/**
 * The start script. Paths are set once as shell variables and used as "$OUT" / "$PIDFILE" afterwards: a value quoted
 * by sh`` is safe as a word of its own but NOT inside double quotes (there '...' is literal and $(...) runs), so no
 * inventory value is ever interpolated into a double-quoted string or a message.
 */
export function startScript(host: InventoryHost, readyPolls = READY_POLLS, insecure = false, join = false): string {
  const l = layoutOf(host);
  const listen = host.listen === undefined ? '' : sh` --listen ${host.listen}`;
  const security = (insecure ? ' --insecure' : sh` --secrets ${l.secrets}`) + (join ? ' --join' : '');
  return [
    sh`OUT=${l.stdout}; PIDFILE=${l.pidFile}`,
    sh`cd ${l.dir} || exit 3`,
    sh`[ -f ${l.app}/dist/src/node/main.js ] || { echo 'no app: run deploy:upload_node first' >&2; exit 3; }`,
    sh`[ -f ${l.clusterConfig} ] || { echo 'no cluster.json: run deploy:upload_node first' >&2; exit 3; }`,
    sh`[ -f ${l.address} ] || { echo 'no address file: run deploy:saveip first' >&2; exit 3; }`,
    runningPidSnippet(l),
    'if [ -n "$PID" ]; then echo "already running (pid $PID)"; exit 0; fi',
    nodeBinSnippet(l, q),
    // Create node.out before the background start, so the READY poll below never races its creation.
    sh`mkdir -p ${l.data} && : > "$OUT"`,
    sh`setsid nohup "$NODE" ${l.app}/dist/src/node/main.js --config ${l.clusterConfig} --data-dir ${l.data} --address-file ${l.address}` +
      listen + security + ' < /dev/null > "$OUT" 2>&1 &',
    'echo $! > "$PIDFILE"',
    `i=0; while [ $i -lt ${readyPolls} ]; do`,
    // READY is stdout's first line; lines logged after it (warnings) may follow in the same file.
    `  if grep -q '^READY' "$OUT"; then echo "started (pid $(cat "$PIDFILE")): $(grep -m 1 '^READY' "$OUT")"; exit 0; fi`,
    `  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then echo "node exited: $(tail -n 3 "$OUT" | tr '\\n' ' ')" >&2; exit 4; fi`,
    '  sleep 0.2; i=$((i+1))',
    'done',
    `printf 'no READY line after %s s; see %s\\n' ${readyPolls / 5} "$OUT" >&2; exit 5`,
  ].join('\n');
}

export async function startOnHost(ctx: HostContext, readyPolls = READY_POLLS, insecure = false, join = false): Promise<{ message: string }> {
  ctx.progress('starting');
  const r = await ctx.run(startScript(ctx.host, readyPolls, insecure, join));
  return { message: r.stdout.trim().split('\n').pop() ?? 'started' };
}

export async function startNodes(inv: Inventory, opts: TaskOptions): Promise<number> {
  return report('start', await runOnHosts('start', inv, (ctx) => startOnHost(ctx, READY_POLLS, opts.insecure), opts));
}
