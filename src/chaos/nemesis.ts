// The chaos nemesis: every second or two it breaks something on the real cluster, and undoes it a few seconds later:
// kill -9 and restart, SIGSTOP and SIGCONT, the suspend RPC, symmetric partitions (often isolating the leader) and
// one-way partitions through the proxies, and member replacement (as etcd's robustness tests do: remove a member, kill
// it, wipe its data, start it with --join and add it back; issue 14). healAll() undoes everything at once. Every fault
// is counted and logged.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCluster } from '../node/local-cluster.js';
import { splitLinks, type PartitionTable } from './partitions.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type ChaosFault = 'kill' | 'pause' | 'suspend' | 'partition' | 'oneway' | 'replace';

/** One fault as the timeline shows it; times in ms since the run started. */
export interface FaultSpan {
  kind: ChaosFault;
  /** As the log line says it, e.g. "kill -9 127.0.0.1:40001". */
  label: string;
  /** The nodes it was aimed at (for a partition: the side named first). */
  nodes: string[];
  start: number;
  /** When it was undone; null if the run ended first (healAll closes every open span). */
  end: number | null;
}

export interface NemesisDeps {
  cluster: LocalCluster;
  table: PartitionTable;
  /** The suspend RPC (through RaftClient). */
  suspend(node: string, seconds: number): Promise<boolean>;
  /** member add/remove (admin, through RaftClient): resolves once the change has committed. */
  member(op: 'add' | 'remove', node: string): Promise<unknown>;
  /** The node index currently believed to lead, if known. */
  leaderIndex(): number | null;
  random(): number;
  log(line: string): void;
  /** ms since the run started, for the fault spans. */
  now(): number;
}

interface Pending {
  timer: NodeJS.Timeout;
  undo: () => Promise<void>;
}

export class ChaosNemesis {
  readonly counts: Record<ChaosFault, number> = { kill: 0, pause: 0, suspend: 0, partition: 0, oneway: 0, replace: 0 };
  /** Replaced nodes not added back yet (an add that failed under other faults is retried by healAll). */
  private readonly outside = new Set<number>();
  /** Every fault injected, in order, for the timeline. */
  readonly spans: FaultSpan[] = [];
  private readonly pending = new Set<Pending>();
  /** Nodes killed or paused right now: at most a minority, so the cluster can keep making progress. */
  private readonly impaired = new Set<number>();
  private readonly paused = new Set<number>();
  private stopped = false;

  constructor(private readonly d: NemesisDeps) {}

  /** Injects faults until `untilMs` (performance.now() time). */
  async run(untilMs: number): Promise<void> {
    while (!this.stopped && performance.now() < untilMs) {
      await sleep(800 + this.d.random() * 1700);
      if (this.stopped || performance.now() >= untilMs) break;
      try {
        await this.injectOne();
      } catch (err) {
        this.d.log(`nemesis: fault failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Undoes every fault now: links heal, paused nodes continue, killed nodes restart. */
  async healAll(): Promise<void> {
    this.stopped = true;
    const undos = [...this.pending];
    this.pending.clear();
    for (const p of undos) clearTimeout(p.timer);
    await Promise.all(undos.map((p) => p.undo().catch(() => undefined)));
    this.d.table.clear();
    for (const i of [...this.outside]) {
      await this.addBack(i).catch((err: unknown) => this.d.log(`nemesis: adding ${this.d.cluster.endpoints[i]} back failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    const at = this.d.now();
    for (const s of this.spans) if (s.end === null && s.kind !== 'suspend') s.end = at;
    this.d.log('nemesis: healed everything');
  }

  /** Last-resort cleanup for the finally block: never leave a process stopped. */
  continueAll(): void {
    for (const i of this.paused) {
      const pid = this.d.cluster.nodes[i].pid;
      if (pid !== null) signal(pid, 'SIGCONT');
    }
    this.paused.clear();
  }

  private async injectOne(): Promise<void> {
    const { cluster } = this.d;
    const n = cluster.nodes.length;
    const ids = cluster.endpoints;
    const roll = this.d.random();
    const seconds = 1 + Math.floor(this.d.random() * 4);
    const target = this.victim();
    const maxImpaired = Math.floor((n - 1) / 2);
    if (roll < 0.25 && target !== null && this.impaired.size < maxImpaired) {
      this.impaired.add(target);
      await cluster.kill(target, 'SIGKILL');
      this.counts.kill++;
      const span = this.span('kill', `kill -9 ${ids[target]}`, [ids[target]]);
      this.d.log(`nemesis: kill -9 ${ids[target]} (restart in ${seconds} s)`);
      this.later(seconds, async () => {
        await restartWithRetry(cluster, target);
        span.end = this.d.now();
        this.impaired.delete(target);
        this.d.log(`nemesis: restarted ${ids[target]}`);
      });
    } else if (roll < 0.45 && target !== null && this.impaired.size < maxImpaired) {
      const pid = cluster.nodes[target].pid;
      if (pid === null) return;
      this.impaired.add(target);
      this.paused.add(target);
      signal(pid, 'SIGSTOP');
      this.counts.pause++;
      const span = this.span('pause', `SIGSTOP ${ids[target]}`, [ids[target]]);
      this.d.log(`nemesis: SIGSTOP ${ids[target]} for ${seconds} s`);
      this.later(seconds, async () => {
        signal(pid, 'SIGCONT');
        span.end = this.d.now();
        this.paused.delete(target);
        this.impaired.delete(target);
        this.d.log(`nemesis: SIGCONT ${ids[target]}`);
      });
    } else if (roll < 0.6 && target !== null && !this.impaired.has(target)) {
      const ok = await this.d.suspend(ids[target], seconds).catch(() => false);
      if (ok) {
        this.counts.suspend++;
        // The node resumes by itself; healAll cannot end it earlier, so the span ends when the node said it would.
        const span = this.span('suspend', `suspend(${seconds}) ${ids[target]}`, [ids[target]]);
        span.end = span.start + seconds * 1000;
        this.d.log(`nemesis: suspend(${seconds}) ${ids[target]}`);
      }
    } else if (roll < 0.67 && target !== null && this.impaired.size < maxImpaired) {
      await this.replace(target);
    } else if (roll < 0.87) {
      // Symmetric: half the time the leader alone or with one other (a minority); otherwise a random split.
      const leader = this.d.leaderIndex();
      const shuffled = shuffle(ids.map((_, i) => i), this.d.random);
      let side: number[];
      if (leader !== null && this.d.random() < 0.5) {
        side = [leader, ...shuffled.filter((i) => i !== leader).slice(0, Math.floor(this.d.random() * Math.floor((n - 1) / 2) + 0.5))];
      } else {
        side = shuffled.slice(0, 1 + Math.floor(this.d.random() * (n - 1)));
      }
      const a = side.map((i) => ids[i]);
      const b = ids.filter((id) => !a.includes(id));
      const heal = this.d.table.cut(splitLinks(a, b));
      this.counts.partition++;
      const span = this.span('partition', `partition {${a.join(' ')}} | {${b.join(' ')}}`, a);
      this.d.log(`nemesis: partition {${a.join(' ')}} | {${b.join(' ')}} for ${seconds} s`);
      this.later(seconds, async () => {
        heal();
        span.end = this.d.now();
        this.d.log(`nemesis: healed partition {${a.join(' ')}} | {${b.join(' ')}}`);
      });
    } else {
      const from = ids[Math.floor(this.d.random() * n)];
      const others = shuffle(ids.filter((id) => id !== from), this.d.random).slice(0, 1 + Math.floor(this.d.random() * (n - 1)));
      const inbound = this.d.random() < 0.5;
      const links = others.map((o): [string, string] => (inbound ? [o, from] : [from, o]));
      const heal = this.d.table.cut(links);
      this.counts.oneway++;
      const desc = inbound ? `${from} hears nothing from {${others.join(' ')}}` : `{${others.join(' ')}} hear nothing from ${from}`;
      const span = this.span('oneway', `one-way: ${desc}`, [from]);
      this.d.log(`nemesis: one-way, ${desc}, for ${seconds} s`);
      this.later(seconds, async () => {
        heal();
        span.end = this.d.now();
        this.d.log(`nemesis: healed one-way, ${desc}`);
      });
    }
  }

  /**
   * Member replacement: remove the member (committed), kill it, wipe its data (WAL, hard state, raftlog; its address
   * and keys stay), start it with --join and add it back (learner, catch-up from the leader's raftlog, promotion).
   */
  private async replace(target: number): Promise<void> {
    const { cluster } = this.d;
    const id = cluster.endpoints[target];
    const node = cluster.nodes[target];
    this.impaired.add(target);
    try {
      await this.d.member('remove', node.id);
    } catch (err) {
      this.impaired.delete(target);
      this.d.log(`nemesis: member remove ${id} refused or failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.counts.replace++;
    const span = this.span('replace', `replace ${id}`, [id]);
    this.d.log(`nemesis: removed ${id}; kill -9, wipe its data, start it with --join, add it back`);
    await cluster.kill(target, 'SIGKILL');
    for (const f of ['raftlog', 'hardstate', 'hardstate.tmp', 'wal']) rmSync(join(node.dataDir, f), { recursive: true, force: true });
    this.outside.add(target);
    await cluster.restart(target, ['--join']);
    try {
      await this.addBack(target);
      this.d.log(`nemesis: ${id} added back`);
    } catch (err) {
      this.d.log(`nemesis: adding ${id} back failed for now (healAll retries): ${err instanceof Error ? err.message : String(err)}`);
    }
    span.end = this.d.now();
    this.impaired.delete(target);
  }

  private async addBack(index: number): Promise<void> {
    await this.d.member('add', this.d.cluster.nodes[index].id);
    this.outside.delete(index);
  }

  /** Half the time the leader (the node whose failure matters most), otherwise any node not already impaired. */
  private victim(): number | null {
    const n = this.d.cluster.nodes.length;
    const leader = this.d.leaderIndex();
    if (leader !== null && !this.impaired.has(leader) && this.d.random() < 0.5) return leader;
    const candidates = Array.from({ length: n }, (_, i) => i).filter((i) => !this.impaired.has(i));
    return candidates.length === 0 ? null : candidates[Math.floor(this.d.random() * candidates.length)];
  }

  private span(kind: ChaosFault, label: string, nodes: string[]): FaultSpan {
    const s: FaultSpan = { kind, label, nodes, start: this.d.now(), end: null };
    this.spans.push(s);
    return s;
  }

  private later(seconds: number, undo: () => Promise<void>): void {
    const p: Pending = {
      undo,
      timer: setTimeout(() => {
        this.pending.delete(p);
        undo().catch((err) => this.d.log(`nemesis: undo failed: ${err instanceof Error ? err.message : String(err)}`));
      }, seconds * 1000),
    };
    this.pending.add(p);
  }
}

async function restartWithRetry(cluster: LocalCluster, index: number): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (cluster.nodes[index].process !== null) return;
    try {
      await cluster.restart(index);
      return;
    } catch (err) {
      last = err;
      await sleep(500);
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
