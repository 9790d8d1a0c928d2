// One deterministic simulated run: N real cores with simulated disks, a simulated network, a nemesis and a few clients,
// all driven tick by tick from one seed. After every tick the invariants are checked; at the end the clients' history
// goes through the linearizability checkers, and liveness is judged on the fault-free tail of the run.
import { checkAppendLog } from '../check/log-model.js';
import { checkKvHistory } from '../check/kv-model.js';
import { DEFAULT_RAFT_TUNING, leaseTicksFor, type NodeId, type RaftConfig } from '../raft/types.js';
import type { ClientRequest, ClientResponse } from './client-protocol.js';
import { SimClient, type History } from './client.js';
import { FaultInjector, formatFaults, type FaultKind } from './faults.js';
import { InvariantChecker, SimViolation } from './invariants.js';
import { SimNetwork, type NetworkStats } from './network.js';
import { SimNode } from './node.js';
import { SimRandom } from './sim-random.js';
import { Trace, formatEvent } from './trace.js';
import type { Variant } from './variants.js';

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Ticks to run; the last `livenessTicks` of them are fault-free. */
  steps: number;
  faults: Set<FaultKind>;
  variant: Variant;
  clients?: number;
  /** A leader must commit within this many ticks of the heal (default 300 = 30 election timeouts' minimum). */
  livenessBound?: number;
  traceEvents?: number;
  /**
   * Also run the two early-warning checks (one vote per term; an applied entry never leaves its node's log), default
   * true. Off leaves every bug to the five invariants and the client guarantees alone.
   */
  extraChecks?: boolean;
  /** Internal: stop after this tick (used to replay a run up to the moment a history violation happened). */
  haltAfterTick?: number;
  /** Internal: keep heartbeats out of the trace ring. */
  focusTrace?: boolean;
  /** Reads by ReadIndex (default, or the variant's) or by leader lease; lease runs give every node its own clock rate. */
  readMode?: 'index' | 'lease';
}

/**
 * Lease runs: each node's clock runs at its own rate in [1 - LEASE_DRIFT, 1] of simulated time, fixed per boot, and
 * the lease is sized for that bound (leaseTicksFor with the equivalent symmetric drift).
 */
export const LEASE_DRIFT = 0.1;

export interface SimSummary {
  seed: number;
  steps: number;
  /** Nominal simulated time at 10 ms per tick. */
  simulatedMs: number;
  config: string;
  faults: Record<FaultKind, number>;
  network: NetworkStats;
  leadersElected: number;
  committed: number;
  writesAcked: number;
  readsAcked: number;
  opsUnknown: number;
  /** Ticks from the heal until a leader committed an entry of its own term (null: never, or no heal phase). */
  recoveryTicks: number | null;
}

export interface SimResult {
  ok: boolean;
  summary: SimSummary;
  traceHash: string;
  violation?: { invariant: string; message: string; step: number; lastEvents: string[] };
  replay: string;
}

/** Elections are fast in ticks so that a run of a thousand ticks sees many of them. */
const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 3;
const TICK_MS = 10;

export function replayCommand(o: SimOptions): string {
  const votes = o.extraChecks === false ? ' --extra-checks off' : '';
  const reads = o.readMode !== undefined ? ` --read-mode ${o.readMode}` : '';
  return `npm run sim -- --seed ${o.seed} --nodes ${o.nodes} --steps ${o.steps} --faults ${formatFaults(o.faults)} --variant ${o.variant.name}${votes}${reads}`;
}

export function runSimulation(o: SimOptions): SimResult {
  return new Simulation(o).run();
}

class Simulation {
  private readonly rng: SimRandom;
  private readonly net: SimNetwork;
  private readonly trace: Trace;
  private readonly inv: InvariantChecker;
  private readonly nodes: SimNode[];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly clients: SimClient[];
  private readonly nemesis: FaultInjector;
  private readonly history: History = { writes: [], kv: [] };
  private readonly toNodes: { due: number; to: NodeId; req: ClientRequest }[] = [];
  private readonly toClients: { due: number; resp: ClientResponse }[] = [];
  private readonly configTemplate: Omit<RaftConfig, 'id' | 'random'>;
  private readonly roles = new Map<NodeId, string>();
  private now = 0;
  /** Events within the current tick, so history timestamps read as tick.sequence (e.g. 112.003). */
  private eventsThisTick = 0;
  private opIds = 0;
  private readonly readMode: 'index' | 'lease';

  constructor(private readonly o: SimOptions) {
    this.rng = new SimRandom(o.seed);
    this.inv = new InvariantChecker(o.extraChecks ?? true);
    this.net = new SimNetwork(this.rng);
    this.trace = new Trace(o.traceEvents ?? 40, o.focusTrace ?? false);
    const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    // Vary the configuration per seed: the product runs with pre-vote and check-quorum on, but the safety argument
    // must not depend on them, and small batches open the windows that Figure 8 and stale appends need.
    this.configTemplate = {
      ...DEFAULT_RAFT_TUNING,
      peers: ids,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      preVote: this.rng.int(4) !== 0,
      checkQuorum: this.rng.int(4) !== 0,
      maxEntriesPerAppend: this.rng.pick([1, 2, 4, 64]),
      maxInflightAppends: this.rng.pick([1, 2, 8]),
    };
    this.readMode = o.readMode ?? o.variant.readMode ?? 'index';
    if (this.readMode === 'lease') {
      // Rates within [1 - d, 1] differ by a factor of at least 1 - d = (1 - r) / (1 + r) for r = d / (2 - d).
      this.configTemplate.readMode = 'lease';
      this.configTemplate.leaseTicks = leaseTicksFor(ELECTION_TICKS, LEASE_DRIFT / (2 - LEASE_DRIFT));
    }
    const nodeEnv = {
      rng: this.rng,
      net: this.net,
      trace: this.trace,
      inv: this.inv,
      variant: o.variant,
      now: () => this.now,
      config: (id: NodeId): RaftConfig => ({ ...this.configTemplate, id, random: this.rng.fork() }),
      clockRate: (): number => (this.readMode === 'lease' ? 1 - (LEASE_DRIFT * this.rng.int(1001)) / 1000 : 1),
      leaseClock: this.readMode === 'lease',
      answer: (resp: ClientResponse) => this.toClients.push({ due: this.now + this.rng.int(2), resp }),
      maxSyncTicks: 2,
    };
    this.nodes = ids.map((id) => new SimNode(id, nodeEnv));
    for (const n of this.nodes) this.byId.set(n.id, n);
    const clientEnv = {
      rng: this.rng,
      nodes: ids,
      keys: ['x', 'y', 'z'],
      now: () => this.now,
      clock: () => this.now + ++this.eventsThisTick / 1000,
      nextOpId: () => this.opIds++,
      send: (to: NodeId, req: ClientRequest) => {
        this.toNodes.push({ due: this.now + this.rng.int(2), to, req });
        this.trace.record({ tick: this.now, kind: 'client', node: `c${req.client}`, text: `-> ${to} ${describeRequest(req)}` });
      },
      attemptTimeout: 3 * ELECTION_TICKS,
      opDeadline: 15 * ELECTION_TICKS,
    };
    this.clients = Array.from({ length: o.clients ?? 3 }, (_, i) => new SimClient(i + 1, clientEnv, this.history));
    this.nemesis = new FaultInjector(this.rng, this.net, this.nodes, o.faults, this.trace);
  }

  run(): SimResult {
    const bound = this.o.livenessBound ?? 30 * ELECTION_TICKS;
    // The fault-free tail: long enough to recover within the bound and then let clients finish.
    const healAt = this.o.steps >= 2 * (bound + 50) ? this.o.steps - (bound + 50) : -1;
    let recoveryTicks: number | null = null;
    try {
      const last = Math.min(this.o.steps, this.o.haltAfterTick ?? Infinity);
      for (this.now = 1; this.now <= last; this.now++) {
        this.eventsThisTick = 0;
        if (this.now === healAt) this.nemesis.healAll(this.now);
        else if (healAt < 0 || this.now < healAt) this.nemesis.step(this.now);
        this.stepOnce();
        if (healAt > 0 && this.now >= healAt && recoveryTicks === null) {
          if (this.leaderCommittedInItsTerm()) recoveryTicks = this.now - healAt;
          else if (this.now - healAt > bound) {
            throw new SimViolation('Liveness', `no leader committed an entry of its term within ${bound} ticks of healing every fault`);
          }
        }
      }
      if (this.o.haltAfterTick === undefined) this.checkHistory();
    } catch (err) {
      const v = err instanceof SimViolation ? err : null;
      const invariant = v ? v.invariant : 'Crash';
      const message = v ? v.message : `exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
      let step = Math.min(this.now, this.o.steps);
      let lastEvents = this.trace.last().map(formatEvent);
      if (v?.atTick !== undefined) {
        // Found in the history after the run: replay the seed up to the offending operation (the run is
        // deterministic) to show what led to it, without the heartbeats.
        step = v.atTick;
        lastEvents = new Simulation({ ...this.o, haltAfterTick: v.atTick, focusTrace: true, traceEvents: 60 }).eventsAtHalt();
      }
      return this.result(recoveryTicks, { invariant, message, step, lastEvents });
    }
    return this.result(recoveryTicks);
  }

  /** Runs to haltAfterTick and returns the trace ring at that point. */
  private eventsAtHalt(): string[] {
    this.run();
    return this.trace.last().map(formatEvent);
  }

  /** One tick: network and client deliveries, timers, finished fsyncs, clients, then the invariant checks. */
  private stepOnce(): void {
    const now = this.now;
    for (let m = this.net.nextDue(now); m !== undefined; m = this.net.nextDue(now)) {
      const dest = this.byId.get(m.to);
      const src = this.byId.get(m.from);
      if (!dest || !dest.isUp() || dest.isSuspended() || this.net.isBlocked(m.from, m.to)) {
        if (dest && dest.isUp() && this.net.isBlocked(m.from, m.to)) this.net.stats.blocked++;
        this.trace.record({ tick: now, kind: 'drop', node: m.to, msg: m });
        // The sender's transport notices the failed call, as the XML-RPC client's timeout would.
        if ((m.type === 'append' || m.type === 'vote') && src?.core && this.rng.chance(0.5)) src.core.reportUnreachable(m.to);
        continue;
      }
      if (dest.isPaused()) {
        this.net.hold(m, now + 1); // sits in the socket buffer until the process runs again
        continue;
      }
      this.net.stats.delivered++;
      this.trace.record({ tick: now, kind: 'deliver', node: m.to, msg: m });
      dest.receive(m);
      if (this.rng.chance(0.5)) dest.pump(); // sometimes one Ready per message, sometimes batched
    }
    this.deliverClientRequests(now);
    for (const n of this.rng.shuffled(this.nodes)) {
      if (!n.isUp() || n.isPaused()) continue;
      if (this.readMode === 'lease') n.advanceClock(); // its own rate; catches up after a pause, as the runtime does
      else if (!this.rng.chance(0.02)) n.tick(); // an occasional skipped tick: clocks drift
      else n.pump();
    }
    this.deliverClientResponses(now);
    for (const c of this.clients) c.step();
    this.checkStep();
  }

  private deliverClientRequests(now: number): void {
    if (this.toNodes.length === 0) return;
    const due = this.toNodes.filter((x) => x.due <= now);
    const later = this.toNodes.filter((x) => x.due > now);
    this.toNodes.length = 0;
    this.toNodes.push(...later);
    for (const x of due) {
      const node = this.byId.get(x.to)!;
      if (node.isUp() && node.isPaused()) {
        this.toNodes.push({ ...x, due: now + 1 });
        continue;
      }
      this.trace.record({ tick: now, kind: 'client', node: x.to, text: `<- c${x.req.client} ${describeRequest(x.req)}` });
      node.onClientRequest(x.req);
      node.pump();
    }
  }

  private deliverClientResponses(now: number): void {
    if (this.toClients.length === 0) return;
    const due = this.toClients.filter((x) => x.due <= now);
    const later = this.toClients.filter((x) => x.due > now);
    this.toClients.length = 0;
    this.toClients.push(...later);
    for (const x of due) {
      const r = x.resp;
      const what = r.ok ? `ok${r.value !== undefined ? ' ' + JSON.stringify(r.value) : ''}` : `refused (leader ${r.leader ?? '?'})`;
      this.trace.record({ tick: now, kind: 'client', node: `c${r.client}`, text: `answer #${r.attempt}: ${what}` });
      this.clients[r.client - 1].onResponse(r);
    }
  }

  private checkStep(): void {
    for (const n of this.nodes) {
      const core = n.core;
      if (!core) continue;
      const role = `${core.roleNow()} t${core.termNow()}`;
      if (this.roles.get(n.id) !== role) {
        this.roles.set(n.id, role);
        this.trace.record({ tick: this.now, kind: 'role', node: n.id, text: `${role} commit ${core.commitNow()} last ${core.lastIndexNow()}` });
      }
      this.inv.afterStep(n.id, core);
    }
  }

  private leaderCommittedInItsTerm(): boolean {
    for (const n of this.nodes) {
      const core = n.core;
      if (!core || core.roleNow() !== 'leader' || n.isPaused() || n.isSuspended()) continue;
      const c = core.commitNow();
      if (c > 0 && core.entryNow(c)?.term === core.termNow()) return true;
    }
    return false;
  }

  /** Client guarantees over the whole run: acknowledged writes present exactly once, reads linearizable. */
  private checkHistory(): void {
    const log = this.inv.committedLog();
    const tids = log.filter((e) => e.tid !== '').map((e) => e.tid);
    const writes = checkAppendLog(this.history.writes, tids);
    const tickOf = (at: number | undefined): number | undefined => (at === undefined ? undefined : Math.ceil(at));
    if (writes.verdict === 'violation') throw new SimViolation('Client: acknowledged writes', writes.message, tickOf(writes.at));
    const kv = checkKvHistory(this.history.kv);
    if (kv.verdict === 'violation') throw new SimViolation('Client: linearizable reads', kv.message, tickOf(kv.at));
    if (writes.verdict === 'unknown' || kv.verdict === 'unknown') {
      throw new SimViolation('Checker', `linearizability search gave up: ${writes.message} ${kv.message}`);
    }
  }

  private result(recoveryTicks: number | null, violation?: SimResult['violation']): SimResult {
    const writesAcked = this.history.writes.filter((w) => w.output === true).length;
    const readsAcked = this.history.kv.filter((k) => k.input.kind === 'get' && k.output !== undefined).length;
    const unknown = this.clients.reduce((s, c) => s + c.unknown, 0);
    const t = this.configTemplate;
    return {
      ok: violation === undefined,
      traceHash: this.trace.hash(),
      violation,
      replay: replayCommand(this.o),
      summary: {
        seed: this.o.seed,
        steps: Math.min(this.now, this.o.steps),
        simulatedMs: Math.min(this.now, this.o.steps) * TICK_MS,
        config:
          `variant=${this.o.variant.name} preVote=${t.preVote} checkQuorum=${t.checkQuorum} ` +
          `maxEntriesPerAppend=${t.maxEntriesPerAppend} maxInflight=${t.maxInflightAppends}`,
        faults: { ...this.nemesis.counts },
        network: { ...this.net.stats },
        leadersElected: this.inv.leadersElected,
        committed: this.inv.committedLog().length,
        writesAcked,
        readsAcked,
        opsUnknown: unknown,
        recoveryTicks,
      },
    };
  }
}

function describeRequest(req: ClientRequest): string {
  if (req.kind === 'get') return `get(${req.key}) #${req.attempt}`;
  if (req.kind === 'set') return `set(${req.key}=${req.data}) tid ${req.tid} #${req.attempt}`;
  return `add tid ${req.tid} #${req.attempt}`;
}
