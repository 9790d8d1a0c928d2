// The client's one-shot commands (add, set, get, leader, status, suspend, transfer). Each prints its result and returns the
// process exit code: 0 done, 1 the cluster did not do it (no leader, not committed, unreachable).
import { RpcError } from '../rpc/errors.js';
import { DeadlineError, NoLeaderError, type RaftClient } from './raft-client.js';
import { percentile } from '../util/percentile.js';

export type Print = (line: string) => void;

export interface CommandContext {
  client: RaftClient;
  nodes: string[];
  out: Print;
  err: Print;
}

/** One clear line for the failures a user can expect; anything else is a bug and keeps its message too. */
export function describeFailure(e: unknown): string {
  if (e instanceof NoLeaderError || e instanceof DeadlineError || e instanceof RpcError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export async function addCommand(ctx: CommandContext, data: string | undefined, count: number, concurrency: number): Promise<number> {
  const base = data ?? `entry from run_client at ${new Date().toISOString()}`;
  if (count === 1) {
    const r = await ctx.client.addEntry(base);
    if (r.ok) ctx.out(`committed: addEntry(tid=${r.tid}) via leader ${r.leader ?? '?'}`);
    else ctx.err(`not committed before the deadline: addEntry(tid=${r.tid}) (last leader tried: ${r.leader ?? 'none'})`);
    return r.ok ? 0 : 1;
  }
  const latencies: number[] = [];
  let next = 0;
  let firstError: unknown = null;
  const start = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      try {
        const r = await ctx.client.addEntry(`${base} #${i + 1}`);
        if (r.ok) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (e) {
        firstError ??= e;
        // No leader at all: the remaining entries would fail the same way after the same wait.
        if (e instanceof NoLeaderError) next = count;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const committed = latencies.length;
  const ms = (p: number): string => (committed > 0 ? percentile(latencies, p).toFixed(1) : '-');
  ctx.out(
    `${committed} of ${count} entries committed in ${seconds.toFixed(2)} s with ${concurrency} in flight: ` +
      `${(committed / seconds).toFixed(0)} entries/s, latency p50 ${ms(0.5)} ms, ` +
      `p99 ${ms(0.99)} ms (leader ${ctx.client.knownLeader() ?? '?'})`,
  );
  const missing = count - committed;
  if (missing > 0) ctx.err(`${missing} entries not committed${firstError !== null ? `: ${describeFailure(firstError)}` : ''}`);
  return missing === 0 ? 0 : 1;
}

export async function setCommand(ctx: CommandContext, key: string, value: string): Promise<number> {
  const ok = await ctx.client.setVal(key, value);
  if (ok) ctx.out(`committed: ${key} = ${value}`);
  else ctx.err(`not committed before the deadline: setVal(${key})`);
  return ok ? 0 : 1;
}

export async function getCommand(ctx: CommandContext, key: string): Promise<number> {
  ctx.out(await ctx.client.getVal(key));
  return 0;
}

export async function leaderCommand(ctx: CommandContext): Promise<number> {
  const leader = await ctx.client.findLeader();
  if (leader === null) {
    ctx.err(`no node claims leadership (asked: ${ctx.nodes.join(', ')})`);
    return 1;
  }
  ctx.out(leader);
  return 0;
}

/** A table of every target; exit 0 when at least one node answered. */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const rows = await Promise.all(
    ctx.nodes.map(async (node) => {
      try {
        const s = await ctx.client.status(node);
        const role = s.suspended ? `${s.role} (suspended)` : s.role;
        // Its own view of the configuration: a node outside it (not yet added, or removed) says so.
        const member = s.voters.includes(s.id) ? 'voter' : s.learners.includes(s.id) ? 'learner' : 'outside';
        return [node, role, String(s.term), s.leader || '-', String(s.commitIndex), String(s.lastApplied), String(s.lastLogIndex), member];
      } catch (e) {
        return [node, `unreachable: ${describeFailure(e)}`, '', '', '', '', '', ''];
      }
    }),
  );
  const header = ['node', 'role', 'term', 'leader', 'commit', 'applied', 'lastLog', 'member'];
  const answered = rows.filter((r) => !r[1].startsWith('unreachable'));
  const widths = header.map((_, c) => Math.max(...[header, ...answered].map((r) => r[c].length), c === 0 ? rows[0][0].length : 0));
  widths[0] = Math.max(widths[0], ...rows.map((r) => r[0].length));
  for (const r of [header, ...rows]) ctx.out(r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  return rows.some((r) => !r[1].startsWith('unreachable')) ? 0 : 1;
}

export async function suspendCommand(ctx: CommandContext, node: string, secondsText: string): Promise<number> {
  const seconds = Number(secondsText);
  if (!Number.isInteger(seconds) || seconds < 1) {
    ctx.err(`suspend: SECONDS must be a positive integer, got '${secondsText}'`);
    return 2;
  }
  const ok = await ctx.client.suspend(node, seconds);
  if (ok) ctx.out(`${node} suspended for ${seconds} s`);
  else ctx.err(`${node} refused to suspend`);
  return ok ? 0 : 1;
}

/** Leadership transfer (admin): prints the new leader; exit 1 with the node's one-line reason when refused. */
export async function transferCommand(ctx: CommandContext, target: string): Promise<number> {
  const leader = await ctx.client.transfer(target);
  ctx.out(`leader is now ${leader}`);
  return leader === target ? 0 : 1;
}

/** member list | add NODE | remove NODE (admin): prints the configuration once the change has committed. */
export async function memberCommand(ctx: CommandContext, sub: string, node: string | undefined, force: boolean): Promise<number> {
  if (sub !== 'list' && sub !== 'add' && sub !== 'remove') {
    ctx.err(`member: expected list, add NODE or remove NODE, got '${sub.slice(0, 40)}'`);
    return 2;
  }
  if ((sub === 'list') !== (node === undefined)) {
    ctx.err(sub === 'list' ? 'member list takes no node' : `member ${sub} takes a node (HOST:PORT)`);
    return 2;
  }
  const conf = await ctx.client.member(sub, node ?? '', force);
  ctx.out(`voters: ${conf.voters.join(', ') || '(none)'}`);
  ctx.out(`learners: ${conf.learners.join(', ') || '(none)'}`);
  return 0;
}
