// Shell snippets about the node process on a machine. The pid file alone is not proof: after a reboot the same pid
// may belong to something else, so "running" means the pid is alive AND its command line is our node program.
import type { RemoteLayout } from './layout.js';
import { sh } from './shell-quote.js';

/** Sets $PID to the running node's pid, or to the empty string. */
export function runningPidSnippet(l: RemoteLayout): string {
  return (
    sh`PID=$(cat ${l.pidFile} 2>/dev/null || true); ` +
    `if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null && tr '\\0' ' ' < /proc/"$PID"/cmdline 2>/dev/null | grep -q 'dist/src/node/main.js'; ` +
    `then :; else PID=; fi`
  );
}
