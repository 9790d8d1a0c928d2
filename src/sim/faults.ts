// The nemesis of a simulated run: network profiles (loss, duplication, reordering) and timed structural faults
// (symmetric and one-way partitions, crashes with restart, SIGSTOP-like pauses, suspend() calls) and leadership
// transfers asked of the leader (thesis §3.10), each drawn from the
// run's random source and undone when its time is up. healAll() ends every fault for the liveness phase.
import type { NodeId } from '../raft/types.js';
import type { SimNetwork } from './network.js';
import type { SimNode } from './node.js';
import type { SimRandom } from './sim-random.js';
import type { Trace } from './trace.js';

export const FAULT_KINDS = ['loss', 'dup', 'reorder', 'partition', 'oneway', 'crash', 'pause', 'suspend', 'transfer'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** "all", "none", or a comma-separated list of FAULT_KINDS. */
export function parseFaults(spec: string): Set<FaultKind> {
  if (spec === 'all') return new Set(FAULT_KINDS);
  if (spec === 'none' || spec === '') return new Set();
  const out = new Set<FaultKind>();
  for (const part of spec.split(',')) {
    const k = part.trim() as FaultKind;
    if (!FAULT_KINDS.includes(k)) throw new RangeError(`unknown fault ${part}; known: ${FAULT_KINDS.join(', ')}, all, none`);
    out.add(k);
  }
  return out;
}

export function formatFaults(kinds: Set<FaultKind>): string {
  if (kinds.size === FAULT_KINDS.length) return 'all';
  if (kinds.size === 0) return 'none';
  return FAULT_KINDS.filter((k) => kinds.has(k)).join(',');
}

interface ActiveFault {
  kind: FaultKind;
  endsAt: number;
  undo(at: number): void;
}

/** Reconfiguration runs: chance per tick that an admin asks the leader for a membership change. */
const RECONFIG_RATE = 1 / 40;

/** Chance per tick that a fault of each structural kind starts. */
const START_RATE: Partial<Record<FaultKind, number>> = {
  partition: 1 / 120,
  oneway: 1 / 160,
  crash: 1 / 120,
  pause: 1 / 200,
  suspend: 1 / 200,
  transfer: 1 / 150,
};

export class FaultInjector {
  /** Membership changes the leader accepted, and asked for. */
  reconfigAccepted = 0;
  reconfigAsked = 0;
  readonly counts: Record<FaultKind, number> = { loss: 0, dup: 0, reorder: 0, partition: 0, oneway: 0, crash: 0, pause: 0, suspend: 0, transfer: 0 };
  private active: ActiveFault[] = [];

  constructor(
    private readonly rng: SimRandom,
    private readonly net: SimNetwork,
    private readonly nodes: readonly SimNode[],
    private readonly enabled: Set<FaultKind>,
    private readonly trace: Trace,
    /** Also ask the leader for membership changes (SimOptions.reconfig). */
    private readonly reconfig = false,
  ) {
    // Per-run network weather, so some seeds are harsh and others mild.
    net.profile = {
      loss: enabled.has('loss') ? rng.between(5, 80) / 1000 : 0,
      duplicate: enabled.has('dup') ? rng.between(5, 50) / 1000 : 0,
      jitterTicks: enabled.has('reorder') ? rng.between(1, 4) : 0,
      lateProbability: enabled.has('reorder') ? rng.between(2, 20) / 1000 : 0,
    };
  }

  /** One tick of the nemesis: end the faults whose time is up, maybe start new ones. */
  step(now: number): void {
    const still: ActiveFault[] = [];
    for (const f of this.active) {
      if (f.endsAt <= now) f.undo(now);
      else still.push(f);
    }
    this.active = still;
    for (const kind of FAULT_KINDS) {
      const rate = START_RATE[kind];
      if (rate === undefined || !this.enabled.has(kind) || !this.rng.chance(rate)) continue;
      this.start(kind, now);
    }
    if (this.reconfig && this.rng.chance(RECONFIG_RATE)) this.changeMembership(now);
  }

  /**
   * An admin asks the leader for one membership change (thesis ch. 4): add a spare as a learner, promote a learner, or
   * remove a member (the leader itself included). Refusals (one change at a time, the 2015 fix, not caught up, unsafe)
   * are part of the run: the core decides, and the trace says what it said.
   */
  private changeMembership(now: number): void {
    const leader = this.leader();
    if (!leader || leader.isPaused() || leader.runtime === null) return;
    const st = leader.runtime.status();
    const members = new Set([...st.voters, ...st.learners]);
    const outside = this.nodes.filter((n) => !members.has(n.id)).map((n) => n.id);
    const roll = this.rng.int(10);
    let change: { op: 'add-learner' | 'promote' | 'remove'; node: NodeId };
    if (roll < 4 && outside.length > 0) change = { op: 'add-learner', node: this.rng.pick(outside) };
    else if (roll < 7 && st.learners.length > 0) change = { op: 'promote', node: this.rng.pick(st.learners) };
    else if (st.voters.length + st.learners.length > 1) change = { op: 'remove', node: this.rng.pick([...st.voters, ...st.learners]) };
    else return;
    const res = leader.changeMembership(change);
    this.reconfigAsked++;
    if (res === 'accepted') this.reconfigAccepted++;
    this.log(now, `${change.op} ${change.node} asked of ${leader.id}: ${res}`);
  }

  /** Ends every fault: links open, crashed nodes restart, paused and suspended ones resume, the network turns reliable. */
  healAll(now: number): void {
    for (const f of this.active) f.undo(now);
    this.active = [];
    this.net.unblockAll();
    this.net.profile = { loss: 0, duplicate: 0, jitterTicks: 0, lateProbability: 0 };
    for (const n of this.nodes) {
      n.pausedUntil = Math.min(n.pausedUntil, now);
      n.endSuspension();
      if (!n.isUp()) n.start();
    }
    this.log(now, 'heal everything; network reliable from now on');
  }

  private start(kind: FaultKind, now: number): void {
    const ids = this.nodes.map((n) => n.id);
    switch (kind) {
      case 'partition': {
        // Half the time the leader ends up in a minority: the case where stale leaders, stale reads and lost
        // writes live.
        const leader = this.leader();
        const side =
          leader && this.rng.chance(0.5)
            ? [leader.id, ...this.rng.shuffled(ids.filter((id) => id !== leader.id)).slice(0, this.rng.int(Math.ceil(ids.length / 2) - 1))]
            : this.rng.shuffled(ids).slice(0, this.rng.between(1, ids.length - 1));
        const other = ids.filter((id) => !side.includes(id));
        const links: [NodeId, NodeId][] = [];
        for (const a of side) for (const b of other) links.push([a, b], [b, a]);
        this.blockFor(kind, now, this.rng.between(20, 200), links, `partition {${side.join(',')}} | {${other.join(',')}}`);
        return;
      }
      case 'oneway': {
        const from = this.rng.pick(ids);
        const targets = this.rng.shuffled(ids.filter((id) => id !== from)).slice(0, this.rng.between(1, ids.length - 1));
        const inbound = this.rng.chance(0.5);
        const links = targets.map((t): [NodeId, NodeId] => (inbound ? [t, from] : [from, t]));
        const desc = inbound ? `one-way: ${from} hears nothing from {${targets}}` : `one-way: {${targets}} hear nothing from ${from}`;
        this.blockFor(kind, now, this.rng.between(20, 150), links, desc);
        return;
      }
      case 'crash': {
        const down = this.nodes.filter((n) => !n.isUp()).length;
        const up = this.nodes.filter((n) => n.isUp());
        if (up.length === 0 || down + 1 > Math.floor(this.nodes.length / 2)) return;
        const victim = this.pickVictim(up);
        // Half the crashes are quick reboots: the node returns in the same term, which is when a forgotten vote bites.
        const duration = this.rng.chance(0.5) ? this.rng.between(1, 8) : this.rng.between(10, 150);
        victim.crash();
        this.counts.crash++;
        this.log(now, `crash ${victim.id} (restart in ${duration} ticks)`);
        this.active.push({
          kind,
          endsAt: now + duration,
          undo: (at) => {
            if (!victim.isUp()) {
              victim.start();
              this.log(at, `restart ${victim.id}`);
            }
          },
        });
        return;
      }
      case 'pause': {
        const candidates = this.nodes.filter((n) => n.isUp() && !n.isPaused());
        if (candidates.length === 0) return;
        const victim = this.pickVictim(candidates);
        const duration = this.rng.between(5, 80);
        victim.pausedUntil = now + duration;
        this.counts.pause++;
        this.log(now, `pause ${victim.id} for ${duration} ticks (SIGSTOP)`);
        return;
      }
      case 'suspend': {
        const candidates = this.nodes.filter((n) => n.isUp() && !n.isSuspended());
        if (candidates.length === 0) return;
        const victim = this.pickVictim(candidates);
        const duration = this.rng.between(10, 100);
        victim.suspend(duration);
        this.counts.suspend++;
        this.log(now, `suspend ${victim.id} for ${duration} ticks`);
        return;
      }
      case 'transfer': {
        // An admin asks the leader to hand over to another member, which may be down, cut off or behind.
        const leader = this.leader();
        if (!leader || leader.isPaused()) return;
        const target = this.rng.pick(this.nodes.filter((n) => n !== leader)).id;
        const res = leader.transfer(target);
        this.counts.transfer++;
        this.log(now, `transfer ${leader.id} -> ${target}: ${res}`);
        return;
      }
      default:
        return;
    }
  }

  /** The up node that is leader in the highest term, if any. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      const core = n.core;
      if (core && core.roleNow() === 'leader' && (!best || core.termNow() > best.core!.termNow())) best = n;
    }
    return best;
  }

  /** Like Jepsen's kill-primary: half the time the leader, if it is among the candidates. */
  private pickVictim(candidates: SimNode[]): SimNode {
    const leader = this.leader();
    if (leader && candidates.includes(leader) && this.rng.chance(0.5)) return leader;
    return this.rng.pick(candidates);
  }

  private blockFor(kind: FaultKind, now: number, duration: number, links: [NodeId, NodeId][], desc: string): void {
    for (const [a, b] of links) this.net.block(a, b);
    this.counts[kind]++;
    this.log(now, `${desc} for ${duration} ticks`);
    this.active.push({
      kind,
      endsAt: now + duration,
      undo: (at) => {
        for (const [a, b] of links) this.net.unblock(a, b);
        this.log(at, `heal ${desc}`);
      },
    });
  }

  private log(tick: number, text: string): void {
    this.trace.record({ tick, kind: 'fault', node: '-', text });
  }
}
