// The chaos run's summary as printed by `npm run chaos` and the chaos test.
import type { ChaosReport } from './run-chaos.js';

export function formatChaosReport(r: ChaosReport): string {
  const all = r.leadersSeen.map((l) => `t${l.term}:${l.id}`);
  const leaders = all.length > 12 ? [...all.slice(0, 6), '...', ...all.slice(-6)].join(' ') : all.join(' ');
  return [
    `chaos: ${r.ops.total} operations (writes acked ${r.ops.writesAcked}, unknown outcome ${r.ops.writesUnknown}; ` +
      `reads ok ${r.ops.readsOk}, failed ${r.ops.readsFailed}) in ${r.wallSeconds.toFixed(1)} s`,
    `faults: kill -9 ${r.faults.kill}, SIGSTOP ${r.faults.pause}, suspend ${r.faults.suspend}, ` +
      `partitions ${r.faults.partition}, one-way ${r.faults.oneway}, members replaced ${r.faults.replace}; proxy swallowed ${r.proxy.requestsSwallowed} requests ` +
      `and ${r.proxy.repliesSwallowed} replies, forwarded ${r.proxy.forwarded}`,
    `leaders seen: ${r.leadersSeen.length} (${leaders})`,
    `committed entries ${r.committedEntries}; raftlog lengths ${r.raftlogLengths.join(', ')}`,
    `verdict: ${r.verdict}${r.problems.length ? '\n  ' + r.problems.join('\n  ') : ''}`,
  ].join('\n');
}
